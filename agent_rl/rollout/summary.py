"""A batch of trajectories in numbers: the one place trajectory statistics are computed.

The rule, everywhere (rollout tables, eval reports, RL step metrics, held-out evaluation):
an episode that *failed* (`Trajectory.failed`: infrastructure, env or backend error, step
timeout) is counted in `failed` and left out of every mean, since it says nothing about the
policy: mean reward, success rate, mean turns, mean policy tokens, tool use and truncation are
means over the episodes that did not fail. Counts (`episodes`, `terminations`, token totals)
cover all episodes. Means over no episode are None.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from agent_rl.rollout.trajectory import TERMINATIONS, Trajectory


@dataclass
class TrajectoryStats:
    """Statistics of a batch of episodes (see the module docstring for what counts)."""

    episodes: int
    failed: int
    mean_reward: float | None
    std_reward: float | None
    success_rate: float | None
    """Share of non-failed episodes whose reward reaches the success threshold."""
    mean_turns: float | None
    """Policy turns per non-failed episode."""
    mean_policy_tokens: float | None
    tool_use: float | None
    """Share of non-failed episodes in which the policy called at least one tool."""
    truncated: float | None
    """Share of non-failed episodes cut by the token budget (termination `max_tokens`)."""
    terminations: dict[str, int] = field(default_factory=dict)
    policy_tokens: int = 0
    total_tokens: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def trajectory_stats(
    trajectories: Sequence[Trajectory], success_threshold: float = 1.0, max_errors: int = 10
) -> TrajectoryStats:
    """The statistics of `trajectories`; failed episodes are counted, never averaged."""
    ok = [t for t in trajectories if not t.failed]
    rewards = [float(t.reward) for t in ok]
    mean = _mean(rewards)
    counts = Counter(t.termination for t in trajectories)
    return TrajectoryStats(
        episodes=len(trajectories),
        failed=len(trajectories) - len(ok),
        mean_reward=mean,
        std_reward=math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards))
        if mean is not None
        else None,
        success_rate=_mean([float(r >= success_threshold) for r in rewards]),
        mean_turns=_mean([float(t.num_turns) for t in ok]),
        mean_policy_tokens=_mean([float(t.num_policy_tokens) for t in ok]),
        tool_use=_mean([float(t.num_tool_calls > 0) for t in ok]),
        truncated=_mean([float(t.termination == "max_tokens") for t in ok]),
        terminations={k: counts[k] for k in TERMINATIONS if counts[k]},
        policy_tokens=sum(t.num_policy_tokens for t in trajectories),
        total_tokens=sum(len(t.prompt_ids) + len(t.response_ids) for t in trajectories),
        errors=sorted({t.error for t in trajectories if t.error})[:max_errors],
    )


@dataclass
class RolloutSummary:
    """`trajectory_stats` plus throughput: what `agent-rl rollout` prints."""

    episodes: int
    failed: int
    mean_reward: float | None
    terminations: dict[str, int] = field(default_factory=dict)
    policy_tokens: int = 0
    total_tokens: int = 0
    elapsed_s: float = 0.0
    tokens_per_s: float | None = None
    episodes_per_s: float | None = None
    mean_turns: float | None = None
    """Over the episodes that did not fail (see the module docstring)."""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, trajectories: Sequence[Trajectory], elapsed_s: float = 0.0) -> RolloutSummary:
        stats = trajectory_stats(trajectories)
        return cls(
            episodes=stats.episodes,
            failed=stats.failed,
            mean_reward=stats.mean_reward,
            terminations=stats.terminations,
            policy_tokens=stats.policy_tokens,
            total_tokens=stats.total_tokens,
            elapsed_s=elapsed_s,
            tokens_per_s=stats.policy_tokens / elapsed_s if elapsed_s > 0 else None,
            episodes_per_s=stats.episodes / elapsed_s if elapsed_s > 0 else None,
            mean_turns=stats.mean_turns,
            errors=stats.errors,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
