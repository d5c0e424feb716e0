"""Scoring: every env family turns an answer into one `Score` through a `Scorer`.

A `Score` is the reward plus *why*: named components (correct, grounded, tests_passed, ...),
details for humans, and `infra_error` when the scorer itself failed (a verifier crash, a
sandbox that did not start). An infrastructure failure is never a silent 0: the rollout layer
drops and counts such episodes instead of learning from them.

Families implement `Scorer.score(answer, task)`; the answer's type is the family's own (a
reply text, a list of tool calls, a diff, a final state). Envs return the score from `finish`
as `StepOutcome(score=...)` and the base env copies it into `info["score"]`, from where the
rollout layer keeps the components on the trajectory.

Example:
    >>> s = Score.combine({"correct": 1.0, "grounded": 0.5}, how="product")
    >>> s.reward, dict(s.components)
    (0.5, {'correct': 1.0, 'grounded': 0.5})
"""

from __future__ import annotations

import abc
import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from agent_rl.envs.core.task import Task

AnswerT = TypeVar("AnswerT")

ExtractionMode = Literal["strict", "flexible"]
"""How a final answer is found in a reply: `strict` accepts only the documented answer formats
(`\\boxed{}`, `#### N`, an `Answer:` line); `flexible` falls back to the last number or
expression in the reply, as math-verify alone and verl's gsm8k scorer do."""
EXTRACTION_MODES: tuple[str, ...] = ("strict", "flexible")


def _check_unit(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be in [0, 1], got {value}")
    return value


@dataclass(frozen=True)
class Score:
    """A reward with its reasons.

    Components are in [0, 1] as well, so a reader can compare them across families; how they
    combine into `reward` is the scorer's documented rule (see `combine`).
    """

    reward: float
    """In [0, 1]; 0.0 when `infra_error` is set (the episode is dropped, not trained on)."""
    components: Mapping[str, float] = field(default_factory=dict)
    """Named parts of the reward (e.g. {"correct": 1.0, "grounded": 0.0})."""
    infra_error: str | None = None
    """Why the scorer could not judge (not the agent's fault), else None."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """JSON-ready extras for humans and reports (extracted answer, failing test, ...)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "reward", _check_unit(self.reward, "reward"))
        object.__setattr__(
            self,
            "components",
            {str(k): _check_unit(v, f"component {k!r}") for k, v in self.components.items()},
        )
        object.__setattr__(self, "details", dict(self.details))
        if self.infra_error is not None and self.reward != 0.0:
            raise ValueError("a score with an infra_error has reward 0.0")

    @property
    def ok(self) -> bool:
        """True when the scorer could judge (no infrastructure error)."""
        return self.infra_error is None

    @classmethod
    def infra(cls, message: str, **details: Any) -> Score:
        """The scorer itself failed: reward 0.0, flagged so the episode is excluded."""
        return cls(0.0, infra_error=str(message) or "scorer failed", details=details)

    @classmethod
    def binary(cls, ok: bool, name: str = "correct", **details: Any) -> Score:
        """1.0 or 0.0 with one component of that name."""
        value = 1.0 if ok else 0.0
        return cls(value, {name: value}, details=details)

    @classmethod
    def combine(
        cls,
        components: Mapping[str, float],
        *,
        how: Literal["product", "mean", "min"] = "product",
        weights: Mapping[str, float] | None = None,
        **details: Any,
    ) -> Score:
        """A reward from named components: their product, (weighted) mean or minimum."""
        values = {k: _check_unit(v, f"component {k!r}") for k, v in components.items()}
        if not values:
            raise ValueError("combine needs at least one component")
        if weights is not None:
            total = sum(weights.get(k, 0.0) for k in values)
            if total <= 0:
                raise ValueError("weights must give the components a positive total")
            reward = sum(v * weights.get(k, 0.0) for k, v in values.items()) / total
        elif how == "product":
            reward = math.prod(values.values())
        elif how == "mean":
            reward = sum(values.values()) / len(values)
        elif how == "min":
            reward = min(values.values())
        else:
            raise ValueError(f"unknown combination {how!r}")
        return cls(min(max(reward, 0.0), 1.0), values, details=details)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what `info["score"]` and the trajectory carry."""
        out: dict[str, Any] = {"reward": self.reward, "components": dict(self.components)}
        if self.infra_error is not None:
            out["infra_error"] = self.infra_error
        if self.details:
            out["details"] = dict(self.details)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        return cls(
            float(data["reward"]),
            dict(data.get("components") or {}),
            data.get("infra_error"),
            dict(data.get("details") or {}),
        )


class Scorer(abc.ABC, Generic[AnswerT]):
    """Judges one answer against one task's target.

    Subclasses implement `score`; it must not raise on anything the agent wrote (a bad answer
    is a low score) and returns `Score.infra(...)` when the judging machinery fails.
    `ascore` runs `score` in a worker thread; I/O-bound scorers (HTTP judges, sandboxes)
    override it.
    """

    name: ClassVar[str] = ""
    """Short name for reports (defaults to the class name)."""

    @abc.abstractmethod
    def score(self, answer: AnswerT, task: Task) -> Score:
        """The score of `answer` on `task`."""

    async def ascore(self, answer: AnswerT, task: Task) -> Score:
        return await asyncio.to_thread(self.score, answer, task)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name or ''})"
