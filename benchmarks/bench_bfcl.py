"""BFCL checker throughput: the project's checker against bfcl-eval's own `ast_checker`.

Every entry of the Python AST categories (simple, multiple, parallel, parallel_multiple and
the four live ones) is graded on its reference answer and on seven perturbations of it
(wrong value, missing required parameter, wrong type, extra call, missing call, wrong
function, swapped order): the same answers go through bfcl-eval's `ast_checker` (baseline)
and through `agent_rl.evals.bfcl.checker.check_calls`, in one process, best of `--repeat`
runs each. The script prints both throughputs, their ratio (goal >= 1.0x) and whether every
verdict (valid and error type) is the same (goal: 100%).

Then (unless `--no-agreement`) the agreement report over every runnable category: the AST
and relevance checker against `ast_checker`, the multi-turn checker against
`multi_turn_checker`, the memory answer check against `agentic_checker`, per category and
per perturbation, every disagreement, and the known-bad ground truth.

    python benchmarks/bench_bfcl.py [--repeat 3] [--no-agreement]
"""

from __future__ import annotations

import argparse
import copy
import time

from agent_rl.evals.bfcl import upstream
from agent_rl.evals.bfcl.agreement import MODEL_NAME, oracle_answer
from agent_rl.evals.bfcl.categories import AST_CATEGORIES
from agent_rl.evals.bfcl.checker import check_calls
from agent_rl.evals.bfcl.data import load_category
from agent_rl.evals.bfcl.perturb import PERTURBATIONS


def cases() -> list[tuple[str, list, list, list]]:
    out = []
    for category in AST_CATEGORIES:
        for entry in load_category(category):
            base = oracle_answer(entry)
            answers = [base] + [fn(base, entry.functions) for fn in PERTURBATIONS.values()]
            for answer in answers:
                if answer is not None:
                    out.append((category, entry.functions, answer, entry.possible_answer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-agreement", action="store_true")
    args = parser.parse_args()
    reference = upstream.ast_checker()
    language = upstream.language_python()
    work = cases()
    # bfcl-eval's checker mutates nothing we pass, but copy once up front (outside the timing)
    ref_inputs = [copy.deepcopy(c) for c in work]

    def run_reference() -> list[tuple[bool, str]]:
        out = []
        for category, functions, answer, possible in ref_inputs:
            try:
                r = reference(functions, answer, possible, language, category, MODEL_NAME)
                out.append((bool(r["valid"]), "" if r["valid"] else r["error_type"]))
            except Exception as exc:  # known-bad ground truth can crash it
                out.append((False, f"crash:{type(exc).__name__}"))
        return out

    def run_ours() -> list[tuple[bool, str]]:
        out = []
        for category, functions, answer, possible in work:
            try:
                v = check_calls(functions, answer, possible, category)
                out.append((v.valid, v.error_type))
            except Exception as exc:
                out.append((False, f"crash:{type(exc).__name__}"))
        return out

    timings = {}
    results = {}
    for name, fn in (("bfcl-eval ast_checker", run_reference), ("agent-rl checker", run_ours)):
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            results[name] = fn()
            best = min(best, time.perf_counter() - start)
        timings[name] = best
    ref, ours = results["bfcl-eval ast_checker"], results["agent-rl checker"]
    same_valid = sum(a[0] == b[0] for a, b in zip(ref, ours, strict=True))
    same_type = sum(a == b for a, b in zip(ref, ours, strict=True))
    n = len(work)
    print(
        f"answers graded: {n} (all entries of {len(AST_CATEGORIES)} Python AST categories, "
        "reference answer + 7 perturbations each)"
    )
    for name, seconds in timings.items():
        print(f"{name:24s} {seconds:7.3f} s  {n / seconds:10.0f} answers/s")
    ratio = timings["bfcl-eval ast_checker"] / timings["agent-rl checker"]
    print(
        f"throughput ratio agent-rl/bfcl-eval: {ratio:.2f}x (goal >= 1.0x): "
        f"{'PASS' if ratio >= 1.0 else 'BELOW GOAL'}"
    )
    print(
        f"same validity: {same_valid}/{n} ({100 * same_valid / n:.2f}%); "
        f"same error type too: {same_type}/{n}"
    )
    for (category, _, answer, _), a, b in zip(work, ref, ours, strict=True):
        if a != b:
            print(f"  DIFF {category}: bfcl-eval {a} ours {b} answer {str(answer)[:120]}")
    if not args.no_agreement:
        agreement()


def agreement() -> None:
    from agent_rl.evals.bfcl.agreement import compare, compare_memory, compare_multi_turn

    report = compare()
    compare_multi_turn(report=report)
    compare_memory(report=report)
    print("\nagreement with bfcl-eval per category (valid / also the same error type):")
    for category, cases in report.cases.items():
        print(
            f"  {category:26s} {report.agreed[category]:6d}/{cases:<6d} "
            f"({100 * report.agreed[category] / cases:6.2f}%)  same error type "
            f"{report.error_type_agreed[category]}/{cases}"
        )
    print("per perturbation:")
    for case, counts in report.per_case.items():
        print(f"  {case:18s} {counts['agreed']:6d}/{counts['cases']}")
    print(
        f"overall: {report.total_agreed}/{report.total} "
        f"({100 * report.total_agreed / report.total:.2f}%); "
        f"disagreements: {len(report.disagreements)}"
    )
    for d in report.disagreements:
        print(f"  DISAGREE {d.id} [{d.case}] ours {d.ours} bfcl-eval {d.bfcl}")
    print(
        f"known-bad ground truth (bfcl-eval rejects its own reference answer): "
        f"{len(report.known_bad)}"
    )
    for bad in report.known_bad:
        print(f"  {bad['id']}: {bad['bfcl'].get('error_type', '')}")


if __name__ == "__main__":
    main()
