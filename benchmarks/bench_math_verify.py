"""Benchmark 2: math verification through the env's Verifier (2 worker processes) against
calling math-verify directly in one process.

    python benchmarks/bench_math_verify.py [--quick] [--pairs N] [--workers W]

Prints both timings, the speed ratio (goal: >= 1.5x on 2 cores) and how many verdicts agree.
Worker start-up is timed separately: a pool is started once and reused for a whole run. The
two sides are timed on interleaved chunks of the pairs, so both see the same machine load.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from typing import Any


def make_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """`n` distinct (gold, answer) pairs: equal and unequal, LaTeX and plain."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    for i in range(n):
        kind = i % 6
        wrong = rng.random() < 0.4
        if kind == 0:  # integers, sometimes with thousands separators
            value = rng.randint(1000, 10**6) + i
            answer = f"{value + 1 if wrong else value:,}"
            pairs.append((str(value), answer))
        elif kind == 1:  # fraction vs decimal
            b = rng.choice([2, 4, 5, 8, 10, 20, 25])
            a = rng.randint(1, 50 * b) + i * b
            decimal = (a + (1 if wrong else 0)) / b
            pairs.append((f"\\frac{{{a}}}{{{b}}}", f"{decimal:g}"))
        elif kind == 2:  # equivalent fractions in LaTeX
            a, b, k = rng.randint(1, 97), rng.randint(2, 97) + i, rng.randint(2, 9)
            pairs.append(
                (f"\\frac{{{a}}}{{{b}}}", f"\\frac{{{a * k + (1 if wrong else 0)}}}{{{b * k}}}")
            )
        elif kind == 3:  # simplified radicals
            k, m = rng.randint(2, 30), rng.choice([2, 3, 5, 6, 7, 10, 11])
            inside = k * k * m + (1 if wrong else 0)
            pairs.append((f"{k}\\sqrt{{{m}}}", f"\\sqrt{{{inside}}}"))
        elif kind == 4:  # factored vs expanded polynomials
            a, b = rng.randint(1, 40), rng.randint(1, 40) + i % 50
            c = a * b + (1 if wrong else 0)
            pairs.append((f"(x+{a})(x+{b})", f"x^2+{a + b}x+{c}"))
        else:  # a full sentence with a boxed answer
            value = rng.randint(-500, 500) * 7 + i
            pairs.append(
                (str(value), f"So the result is $\\boxed{{{value - 3 if wrong else value}}}$.")
            )
    return pairs


def direct(pairs: list[tuple[str, str]]) -> list[bool]:
    """Baseline: math-verify in this process, with its default (SIGALRM) timeouts."""
    from agent_rl.envs.math.verify import as_math
    from math_verify import parse, verify

    return [bool(verify(parse(as_math(g)), parse(as_math(a)))) for g, a in pairs]


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def machine_parallelism(workers: int, n: int = 3_000_000) -> float:
    """How much faster `workers` busy processes finish than the same work done serially, now.

    The ceiling for the Verifier's speed-up on this machine at this moment: on a shared,
    loaded machine it drops well below `workers`, and the Verifier's ratio with it.
    """
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_spin, [1000] * workers))  # start the processes outside the timing
        start = time.perf_counter()
        list(pool.map(_spin, [n] * workers))
        parallel = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(workers):
        _spin(n)
    return (time.perf_counter() - start) / parallel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 pairs")
    args = parser.parse_args()
    n = 200 if args.quick else args.pairs
    logging.disable(logging.WARNING)
    pairs = make_pairs(n)

    import math_verify  # noqa: F401  (import cost is not part of either timing)
    from agent_rl.envs.math.verify import Verifier

    direct([("1", "1")])  # warm lazy imports in the baseline process too
    start = time.perf_counter()
    pool = Verifier(workers=args.workers, timeout=30.0).start()
    t_startup = time.perf_counter() - start
    # Both sides run chunk by chunk, interleaved, so that they see the same machine load
    # (on a shared machine, timing one after the other measures the load as much as the code).
    baseline: list[bool] = []
    verdicts: list[Any] = []
    t_direct = t_pool = 0.0
    chunk = max(1, n // 10)
    try:
        for index, lo in enumerate(range(0, n, chunk)):
            part = pairs[lo : lo + chunk]
            for side in ("direct", "pool") if index % 2 == 0 else ("pool", "direct"):
                start = time.perf_counter()
                if side == "direct":
                    baseline += direct(part)
                    t_direct += time.perf_counter() - start
                else:
                    verdicts += pool.verify_many(part)
                    t_pool += time.perf_counter() - start
    finally:
        pool.close()

    agree = sum(v.correct == b for v, b in zip(verdicts, baseline, strict=True))
    statuses = {
        s: sum(v.status == s for v in verdicts) for s in ("ok", "unparseable", "timeout", "crash")
    }
    print(f"pairs: {n} ({sum(baseline)} equal by math-verify, {n - sum(baseline)} not)")
    print(f"direct math-verify, 1 process : {t_direct:7.3f} s  ({n / t_direct:7.1f} pairs/s)")
    print(
        f"Verifier, {args.workers} worker processes: {t_pool:7.3f} s  ({n / t_pool:7.1f} pairs/s)"
    )
    print(f"Verifier start-up (once per pool): {t_startup:.3f} s")
    print(f"speed ratio (direct / Verifier): {t_direct / t_pool:.2f}x  (goal >= 1.5x on 2 cores)")
    print(f"verdicts agree: {agree}/{n}; statuses: {statuses}")
    print(
        f"control: {args.workers} busy processes vs the same work serially, measured now: "
        f"{machine_parallelism(args.workers):.2f}x (the ceiling of the ratio above on this machine)"
    )


if __name__ == "__main__":
    main()
