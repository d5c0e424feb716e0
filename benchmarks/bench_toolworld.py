"""ToolWorld: env step latency per suite, and 64 concurrent episodes against one at a time.

1. Step latency: for every task of each suite, the oracle's actions are stepped directly on
   the env (no policy, no chat format); the mean and p95 wall time of one `env.step` per
   suite are printed.
2. Concurrency: `--episodes` episodes (default 64) run through the real rollout engine and
   V3.1 chat format against a policy that answers with the env's reference action after a
   fixed latency (`--latency`, default 50 ms: a model server, whose own compute is not on
   this machine), first one at a time (the baseline) then all at once; the script prints episodes/s of both and their ratio (goal:
   at least 20x).

    python benchmarks/bench_toolworld.py [--episodes 64] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Sequence
from typing import Any

from agent_rl.envs.function_call.toolworld import ToolWorldEnv

from agent_rl.chat_format import get_chat_format
from agent_rl.rollout import Generation, GenerationContext, RolloutEngine, RolloutLimits
from agent_rl.rollout.backends.oracle import encode_completion

_COMPLETIONS: dict[str, list[int]] = {}


class SlowOracle:
    """The env's reference action after a fixed delay (a remote model's latency).

    A remote model spends its compute on its own machine: the completion ids are memoised
    (a warm-up run fills the memo before both timed runs), so the delay is the policy's only
    cost in both runs.
    """

    def __init__(self, chat_format: Any, latency: float) -> None:
        self.chat_format, self.latency = chat_format, latency

    async def generate(
        self, prompt_ids: Sequence[int], params: Any, context: GenerationContext
    ) -> Generation:
        await asyncio.sleep(self.latency)
        message = dict(context.reference())
        key = json.dumps(message, sort_keys=True)
        ids = _COMPLETIONS.get(key)
        if ids is None:
            ids = _COMPLETIONS[key] = encode_completion(self.chat_format, message, False)
        return Generation(token_ids=ids, logprobs=[0.0] * len(ids), text="", finish_reason="stop")


def step_latency() -> None:
    env = ToolWorldEnv(split="all")
    per_suite: dict[str, list[float]] = {}
    for task in env.tasks:
        env.reset(options={"task": task})
        done = False
        while not done:
            action = env.reference_action()
            start = time.perf_counter()
            _, _, term, trunc, _ = env.step(action)
            per_suite.setdefault(task.metadata["suite"], []).append(time.perf_counter() - start)
            done = term or trunc
    for suite, times in sorted(per_suite.items()):
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"step latency {suite:9s} mean {1e6 * statistics.mean(times):7.0f} us  "
            f"p95 {1e6 * p95:7.0f} us  max {1e6 * times[-1]:7.0f} us  ({len(times)} steps)"
        )


def run(episodes: int, concurrency: int, latency: float) -> tuple[float, float]:
    cf = get_chat_format("deepseek_v31")
    tasks = [t.to_dict() for t in ToolWorldEnv(split="all").tasks[:episodes]]
    engine = RolloutEngine(
        lambda: ToolWorldEnv(split="all"),
        SlowOracle(cf, latency),
        cf,
        RolloutLimits(max_turns=24, max_tokens_per_turn=4096, max_total_tokens=32768),
        concurrency=concurrency,
    )
    start = time.perf_counter()
    trajectories = engine.run(tasks=tasks)
    elapsed = time.perf_counter() - start
    mean_reward = sum(t.reward for t in trajectories) / len(trajectories)
    return elapsed, mean_reward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    step_latency()
    run(args.episodes, args.episodes, 0.0)  # warm-up: fills the policy's memo
    seq_s, seq_r = run(args.episodes, 1, args.latency)
    con_s, con_r = run(args.episodes, args.episodes, args.latency)
    print(
        f"sequential (1 at a time):    {seq_s:7.2f} s  {args.episodes / seq_s:7.2f} episodes/s "
        f"(mean reward {seq_r:.3f})"
    )
    print(
        f"concurrent ({args.episodes} at once): {con_s:7.2f} s  {args.episodes / con_s:7.2f} "
        f"episodes/s (mean reward {con_r:.3f})"
    )
    ratio = seq_s / con_s
    load = os.getloadavg()[0]
    print(
        f"machine load average {load:.1f} on {os.cpu_count()} CPUs (the concurrent run is "
        "CPU-bound: mostly the chat format tokenizing prompts)"
    )
    print(
        f"throughput ratio concurrent/sequential: {ratio:.1f}x (goal >= 20x): "
        f"{'PASS' if ratio >= 20 else 'BELOW GOAL'}"
    )


if __name__ == "__main__":
    main()
