"""SWE grading throughput and container start, against swebench's own harness in the same run.

Measured on the same instances and predictions (gold patches, so every instance runs its tests):
  swebench   `swebench.harness.run_evaluation.main` with N workers (Docker: a fresh container
             per instance from its instance image, `docker stop`/remove after each)
  ours-docker  this project's grader (`grading.grade`): host-side patching, tests in the
             project's Docker sandbox (warm pool of the SWE environment image, SIGKILL stop)
  ours-bwrap the same grader under bubblewrap (host toolchain)
and the container start of the Docker shell: cold (create + start) vs taken from the warm pool.
Every run's verdicts are compared with swebench's; a disagreement is printed.

Usage: python benchmarks/bench_swe.py [--instances 8] [--workers 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_rl.envs.swe.evaluate import DEFAULT_DATASET
from agent_rl.envs.swe.grading import grade, sandbox_for
from agent_rl.envs.swe.instance import load_instances


def per_minute(n: int, seconds: float) -> float:
    return 60.0 * n / seconds if seconds > 0 else float("inf")


def ours(instances: list, backend: str, workers: int) -> tuple[float, dict[str, bool]]:
    box = sandbox_for(backend, max_concurrency=workers,
                      **({"warm": workers} if backend == "docker" else {}))
    grade(instances[0], instances[0].patch, box)  # start-up (pool fill, caches) not timed
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = list(pool.map(lambda i: grade(i, i.patch, box), instances))
    elapsed = time.perf_counter() - start
    box.close()
    bad = [v for v in verdicts if v.infra_error]
    if bad:
        print(f"  {backend}: {len(bad)} infra errors, first: {bad[0].infra_error}")
    return elapsed, {v.instance_id: v.resolved for v in verdicts}


def swebench(instances: list, workers: int) -> tuple[float, dict[str, bool]]:
    from agent_rl.envs.swe.harness import run_swebench
    from agent_rl.envs.swe.images import ensure_images

    problems = {k: v for k, v in ensure_images(instances, workers=workers).items() if v}
    if problems:
        raise SystemExit(f"images failed to build: {problems}")
    preds = {i.instance_id: {"instance_id": i.instance_id, "model_name_or_path": "bench",
                             "model_patch": i.patch} for i in instances}
    out = Path(tempfile.mkdtemp(prefix="bench-swe-"))
    try:
        start = time.perf_counter()
        verdicts, _ = run_swebench(instances, preds, out, run_id="bench", workers=workers)
        elapsed = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return elapsed, {k: v.resolved for k, v in verdicts.items()}


def container_start(runs: int) -> dict[str, float]:
    """Median ms until an episode's container is ready (`take`), and until its first command
    (`true`) has run, cold (no pool) and from the warm pool."""
    from agent_rl.envs.swe.shell import DockerShell

    cold_shell = DockerShell(warm=0)
    warm_shell = DockerShell(warm=1)
    times: dict[str, list[float]] = {"cold": [], "warm": [], "cold_cmd": [], "warm_cmd": []}
    try:
        warm_shell.fill()
        for _ in range(runs):
            for name, shell in (("cold", cold_shell), ("warm", warm_shell)):
                shell.fill()  # the pool refills between episodes, off the clock
                t0 = time.perf_counter()
                shell.take()
                times[name].append(time.perf_counter() - t0)
                shell.run("true")
                times[f"{name}_cmd"].append(time.perf_counter() - t0)
                shell.detach()
    finally:
        cold_shell.close()
        warm_shell.close()
    return {f"{k}_ms": 1000 * statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--starts", type=int, default=5, help="container starts measured")
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    instances = load_instances(DEFAULT_DATASET)[0][: args.instances]
    n = len(instances)
    results: dict[str, object] = {"instances": n, "workers": args.workers}
    print(f"{n} held-out instances, gold patches, {args.workers} workers")
    t_bwrap, v_bwrap = ours(instances, "bwrap", args.workers)
    results["ours_bwrap_per_min"] = per_minute(n, t_bwrap)
    print(f"  ours (bwrap):   {per_minute(n, t_bwrap):7.1f} instances/min ({t_bwrap:.1f} s)")
    if not args.no_docker:
        t_sb, v_sb = swebench(instances, args.workers)
        results["swebench_per_min"] = per_minute(n, t_sb)
        print(f"  swebench:       {per_minute(n, t_sb):7.1f} instances/min ({t_sb:.1f} s)")
        t_dk, v_dk = ours(instances, "docker", args.workers)
        results["ours_docker_per_min"] = per_minute(n, t_dk)
        print(f"  ours (docker):  {per_minute(n, t_dk):7.1f} instances/min ({t_dk:.1f} s)")
        results["ratio_docker_vs_swebench"] = t_sb / t_dk
        results["ratio_bwrap_vs_swebench"] = t_sb / t_bwrap
        print(f"  ratio vs swebench: docker {t_sb / t_dk:.2f}x, bwrap {t_sb / t_bwrap:.2f}x "
              "(target >= 3x)")
        same = v_sb == v_dk == v_bwrap
        results["same_verdicts"] = same
        print(f"  verdicts identical on all backends: {same}")
        if not same:
            for iid in sorted(v_sb):
                if not v_sb[iid] == v_dk.get(iid) == v_bwrap.get(iid):
                    print(f"    {iid}: swebench {v_sb[iid]} docker {v_dk.get(iid)} "
                          f"bwrap {v_bwrap.get(iid)}")
        starts = container_start(args.starts)
        results.update(starts)
        ratio = starts["warm_ms"] / starts["cold_ms"]
        ratio_cmd = starts["warm_cmd_ms"] / starts["cold_cmd_ms"]
        results["warm_over_cold"], results["warm_over_cold_with_command"] = ratio, ratio_cmd
        print(f"  container ready: cold {starts['cold_ms']:.0f} ms, warm pool "
              f"{starts['warm_ms']:.1f} ms ({ratio:.2f}x cold; target <= 0.2x)")
        print(f"  ready + first command: cold {starts['cold_cmd_ms']:.0f} ms, warm pool "
              f"{starts['warm_cmd_ms']:.0f} ms ({ratio_cmd:.2f}x cold)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
