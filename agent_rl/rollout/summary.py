"""A batch of trajectories in numbers: counts by termination, mean reward, tokens per second."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from agent_rl.rollout.trajectory import TERMINATIONS, Trajectory


@dataclass
class RolloutSummary:
    """Mean reward is over episodes that did not fail (see `Trajectory.failed`); failures are
    counted, never scored as 0."""

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
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, trajectories: Sequence[Trajectory], elapsed_s: float = 0.0) -> RolloutSummary:
        counts = Counter(t.termination for t in trajectories)
        ok = [t for t in trajectories if not t.failed]
        policy_tokens = sum(t.num_policy_tokens for t in trajectories)
        return cls(
            episodes=len(trajectories),
            failed=len(trajectories) - len(ok),
            mean_reward=sum(t.reward for t in ok) / len(ok) if ok else None,
            terminations={k: counts[k] for k in TERMINATIONS if counts[k]},
            policy_tokens=policy_tokens,
            total_tokens=sum(len(t.prompt_ids) + len(t.response_ids) for t in trajectories),
            elapsed_s=elapsed_s,
            tokens_per_s=policy_tokens / elapsed_s if elapsed_s > 0 else None,
            episodes_per_s=len(trajectories) / elapsed_s if elapsed_s > 0 else None,
            mean_turns=sum(t.num_turns for t in trajectories) / len(trajectories)
            if trajectories
            else None,
            errors=sorted({t.error for t in trajectories if t.error})[:10],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
