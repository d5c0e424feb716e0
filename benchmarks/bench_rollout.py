"""Benchmark 3: rollout concurrency.

A policy with a fixed 50 ms latency (asyncio.sleep, like a remote server) and an env whose
steps take 20 ms (time.sleep in a sync `step`, so the engine runs it in a worker thread), over
the real V3.1 chat format. 64 episodes of `--turns` turns each run one at a time (the
baseline, concurrency 1) and then all at once (concurrency 64); the script prints both
throughputs and their ratio (goal: at least 30x).

    python benchmarks/bench_rollout.py [--quick] [--episodes 64] [--turns 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

from agent_rl.chat_format import get_chat_format
from agent_rl.rollout import (
    Generation,
    GenerationContext,
    RolloutEngine,
    RolloutLimits,
    RolloutSummary,
    SamplingParams,
)


class SlowPolicy:
    """Answers "no" until the last turn, then the right word, after `latency_s`."""

    def __init__(self, chat_format: Any, latency_s: float, turns: int) -> None:
        self.cf, self.latency_s, self.turns = chat_format, latency_s, turns
        self._cache: dict[str, list[int]] = {}

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        await asyncio.sleep(self.latency_s)
        turn = sum(1 for m in context.messages if m["role"] == "assistant")
        text = "ok" if turn + 1 >= self.turns else "no"
        if text not in self._cache:
            self._cache[text] = self.cf.encode_completion({"role": "assistant", "content": text})
        ids = self._cache[text]
        return Generation(list(ids), [-0.1] * len(ids), self.cf.decode(ids), "stop")


class SlowEnv:
    """Rewards "ok"; every step blocks for `step_s` (a sync env, run in a thread)."""

    def __init__(self, step_s: float) -> None:
        self.step_s = step_s

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        return [{"role": "user", "content": f"Task {seed}: say ok when ready."}], {"tools": []}

    def step(self, action: dict[str, Any]):
        time.sleep(self.step_s)
        if action.get("content") == "ok":
            return [], 1.0, True, False, {}
        return [{"role": "user", "content": "Not yet, again."}], 0.0, False, False, {}


def measure(
    cf: Any, episodes: int, turns: int, concurrency: int, latency: float, step: float
) -> tuple[float, RolloutSummary]:
    engine = RolloutEngine(
        lambda: SlowEnv(step),
        SlowPolicy(cf, latency, turns),
        cf,
        RolloutLimits(max_turns=turns + 1),
        concurrency=concurrency,
    )
    start = time.perf_counter()
    trajs = engine.run(n=episodes)
    elapsed = time.perf_counter() - start
    summary = RolloutSummary.of(trajs, elapsed)
    if summary.terminations != {"terminated": episodes} or summary.mean_reward != 1.0:
        raise SystemExit(f"benchmark episodes did not all succeed: {summary}")
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 turns per episode")
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.050, help="policy latency (s)")
    parser.add_argument("--step", type=float, default=0.020, help="env step time (s)")
    args = parser.parse_args()
    turns = 2 if args.quick else args.turns
    cf = get_chat_format("deepseek_v31")

    seq_s, _ = measure(cf, args.episodes, turns, 1, args.latency, args.step)
    con_s, summary = measure(cf, args.episodes, turns, args.episodes, args.latency, args.step)
    ideal = args.episodes * turns * (args.latency + args.step)
    print(
        f"episodes={args.episodes} turns={turns} policy={args.latency * 1000:.0f}ms env={args.step * 1000:.0f}ms"
    )
    print(
        f"baseline (one at a time): {seq_s:7.2f} s  {args.episodes / seq_s:8.2f} episodes/s  (ideal {ideal:.2f} s)"
    )
    print(
        f"concurrent ({args.episodes} at once): {con_s:7.2f} s  {args.episodes / con_s:8.2f} episodes/s  ({summary.policy_tokens / con_s:.0f} policy tokens/s)"
    )
    ratio = seq_s / con_s
    print(
        f"throughput ratio concurrent/sequential: {ratio:.1f}x (goal >= 30x): {'PASS' if ratio >= 30 else 'BELOW GOAL'}"
    )


if __name__ == "__main__":
    main()
