"""Metrics of the function-calling envs: success, partial credit, calls, invalid calls, pass^k.

pass^k (tau-bench's "pass hat k") is the chance that *all* k independent tries of a task
succeed. With n tries of a task of which c succeeded, the unbiased estimator is
C(c, k) / C(n, k) (sampling k of the n tries without replacement; 0 when c < k), averaged
over tasks; tasks with fewer than k tries are left out. pass^1 is the success rate; pass^k
falls as k grows unless the agent is reliable, which pass@k hides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from math import comb
from typing import Any


def pass_hat_k(successes: Iterable[tuple[int, int]], k: int) -> float | None:
    """Mean of C(c, k) / C(n, k) over tasks given as (n tries, c successes); None if none."""
    if k < 1:
        raise ValueError("k must be >= 1")
    values = [comb(c, k) / comb(n, k) for n, c in successes if n >= k]
    return sum(values) / len(values) if values else None


def toolworld_metrics(
    episodes: Iterable[Mapping[str, Any]], ks: Iterable[int] = (1, 2, 4)
) -> dict[str, Any]:
    """Aggregate episodes, each `{"task_id", "reward", "score": Score.to_dict()}`.

    Returns success rate (reward 1), mean partial credit (mean reward), calls per task,
    invalid-call rate (invalid calls / calls), and pass^k for each k.
    """
    per_task: dict[str, list[bool]] = defaultdict(list)
    rewards, calls, invalid = [], 0, 0
    for ep in episodes:
        details = (ep.get("score") or {}).get("details") or {}
        reward = float(ep.get("reward", 0.0))
        rewards.append(reward)
        per_task[str(ep.get("task_id"))].append(reward == 1.0)
        calls += int(details.get("calls", 0))
        invalid += int(details.get("invalid_calls", 0))
    n = len(rewards)
    return {
        "episodes": n,
        "success": sum(r == 1.0 for r in rewards) / n if n else None,
        "partial_credit": sum(rewards) / n if n else None,
        "calls_per_task": calls / n if n else None,
        "invalid_call_rate": invalid / calls if calls else 0.0,
        "pass_hat_k": {
            f"pass^{k}": pass_hat_k(((len(v), sum(v)) for v in per_task.values()), k) for k in ks
        },
    }


def trajectory_episodes(trajectories: Iterable[Any]) -> list[dict[str, Any]]:
    """Rollout trajectories as `toolworld_metrics` episodes (failed ones left out)."""
    return [
        {"task_id": t.task_id, "reward": t.reward, "score": t.scores[-1] if t.scores else {}}
        for t in trajectories
        if not t.failed
    ]
