"""Per-run overhead of each sandbox backend against a plain subprocess, and warm vs cold Docker.

Baselines measured in the same run:
  plain      subprocess.run(["python3", "-c", "pass"]) on the host (no isolation)
  bwrap      BwrapSandbox.run (namespaces, rlimits, seccomp, memfd files, uid sweep, and a
             memory cgroup where the machine allows it)
  bwrap-as   the same without the memory cgroup (address-space limit only), when one is used
  plain-cgroup  the plain subprocess started in a fresh memory cgroup the same way (what the
             kernel's memory accounting costs a program with no sandbox at all)
  docker-warm  DockerSandbox.run on a pre-started, reused container (one request to the
             container's runner per run, tools/sandbox/runner.py)
  docker-exec  the same with runner=False (one `docker exec` of a bootstrap per run)
  docker-cold  DockerSandbox.run with no pool (create + start + exec, removal in background)
  docker-run   `docker run --rm --network none IMAGE python3 -c pass` through the SDK

Usage: python benchmarks/bench_sandbox.py [--quick] [--runs N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_rl.tools.sandbox import BwrapSandbox, DockerSandbox, Limits
from agent_rl.tools.sandbox.cgroup import launcher, memory_cgroups

PROGRAM = ["python3", "-c", "pass"]


def measure(fn: Callable[[], object], runs: int, warmup: int = 2) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"mean_ms": 1000 * statistics.fmean(times), "median_ms": 1000 * statistics.median(times),
            "min_ms": 1000 * min(times), "runs": runs}


def plain_in_cgroup(python: str) -> None:
    """`python -c pass` moved into a fresh memory cgroup before it execs, as bwrap runs are."""
    group = memory_cgroups().create(512 * 1024 * 1024)
    try:
        proc = subprocess.Popen([*launcher(group), python, "-c", "pass"])
        group.add(proc.pid)
        if proc.wait() != 0:
            raise SystemExit("plain-cgroup run failed")
    finally:
        group.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 runs per backend")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 20)
    limits = Limits(timeout=10, memory_mb=512)
    results: dict[str, dict[str, float]] = {}

    def check(result) -> None:
        if not result.ok:
            raise SystemExit(f"benchmark run failed: {result}")

    python = "/usr/bin/python3"
    results["plain"] = measure(lambda: subprocess.run([python, "-c", "pass"], check=True), runs)

    bwrap = BwrapSandbox(limits)
    reason = bwrap.available()
    if reason is None:
        results["bwrap"] = measure(lambda: check(bwrap.run(PROGRAM)), runs)
        print(f"bwrap memory limit: {bwrap.memory_limit}")
        if bwrap.memory_limit != "address space":  # what the memory cgroup costs per run
            bare = BwrapSandbox(limits, memory_cgroup=False)
            results["bwrap-as"] = measure(lambda: check(bare.run(PROGRAM)), runs)
            results["plain-cgroup"] = measure(lambda: plain_in_cgroup(python), runs)
    else:
        print(f"bwrap skipped: {reason}")

    warm = DockerSandbox(limits, warm=1, reuse=True)
    reason = warm.available()
    if reason is None:
        time.sleep(1.0)  # let the pool start its container
        results["docker-warm"] = measure(lambda: check(warm.run(PROGRAM)), runs)
        warm.close()
        execs = DockerSandbox(limits, warm=1, reuse=True, runner=False)
        execs.available()
        time.sleep(1.0)
        results["docker-exec"] = measure(lambda: check(execs.run(PROGRAM)), runs)
        execs.close()
        cold = DockerSandbox(limits, warm=0, reuse=False)
        results["docker-cold"] = measure(lambda: check(cold.run(PROGRAM)), runs)
        cold.close()
        client = cold.client

        def docker_run() -> None:
            client.containers.run(cold.image, PROGRAM, remove=True, network_mode="none",
                                  init=True)

        results["docker-run"] = measure(docker_run, max(3, runs // 2), warmup=1)
    else:
        print(f"docker skipped: {reason}")

    base = results["plain"]["mean_ms"]
    print(f"{'backend':<12} {'mean ms':>9} {'median ms':>10} {'min ms':>8} {'x plain':>8}")
    for name, r in results.items():
        print(f"{name:<12} {r['mean_ms']:>9.1f} {r['median_ms']:>10.1f} {r['min_ms']:>8.1f} "
              f"{r['mean_ms'] / base:>8.2f}")
    if "bwrap" in results:
        print(f"ratio bwrap / plain subprocess: {results['bwrap']['mean_ms'] / base:.2f}")
    if "plain-cgroup" in results:
        print("ratio plain in a memory cgroup / plain subprocess: "
              f"{results['plain-cgroup']['mean_ms'] / base:.2f}")
        print("ratio bwrap (memory cgroup) / plain subprocess in a memory cgroup: "
              f"{results['bwrap']['mean_ms'] / results['plain-cgroup']['mean_ms']:.2f}")
    if "bwrap-as" in results:
        print("ratio bwrap (memory cgroup) / bwrap (address-space limit only): "
              f"{results['bwrap']['mean_ms'] / results['bwrap-as']['mean_ms']:.2f}")
    if "docker-warm" in results:
        w = results["docker-warm"]["mean_ms"]
        print(f"ratio docker-warm / plain subprocess: {w / base:.2f}")
        print(f"ratio docker-exec (one docker exec per run) / docker-warm (runner): "
              f"{results['docker-exec']['mean_ms'] / w:.2f}")
        print(f"ratio docker-cold / docker-warm: {results['docker-cold']['mean_ms'] / w:.2f}")
        print(f"ratio docker run (SDK, --rm) / docker-warm: {results['docker-run']['mean_ms'] / w:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
