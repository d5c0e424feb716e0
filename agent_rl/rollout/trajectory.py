"""One finished episode, token for token, as the trainer and the evals see it.

A `Trajectory` keeps the exact ids the policy produced (token in, token out): `prompt_ids` is
the encoded opening prompt with its generation prompt, `response_ids` everything after it, i.e.
the policy's completions (`loss_mask` 1, with their sampled `logprobs`) interleaved with the
observation ids the chat format appended (`loss_mask` 0, logprob 0.0). `messages` is the same
conversation as dicts, for humans, SFT and re-encoding checks.

`termination` is one of `TERMINATIONS`. The last four name failures of infrastructure or of
the harness rather than of the agent: such episodes are excluded from training and from mean
rewards, and counted (`Trajectory.failed`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl

#: Every termination reason an episode can end with.
#: - "terminated": the env said the task is over (answer given, success or not).
#: - "truncated": the env truncated the episode (its own step limit).
#: - "max_turns": the engine's turn limit was reached before the env ended the episode.
#: - "max_tokens": the token budget (per turn or total) ran out mid-generation.
#: - "step_timeout": a generate or env step exceeded the per-step timeout (`error` says which).
#: - "env_error": the env raised in `reset`/`step` (or could not be built).
#: - "backend_error": the policy backend raised (server down, bad response, ...).
#: - "infra_error": the env reported `info["infra_error"]` (verifier crash, sandbox down).
TERMINATIONS: tuple[str, ...] = (
    "terminated",
    "truncated",
    "max_turns",
    "max_tokens",
    "step_timeout",
    "env_error",
    "backend_error",
    "infra_error",
)

#: Terminations that are not the agent's doing: never scored, never trained on, always counted.
FAILED_TERMINATIONS: frozenset[str] = frozenset(
    {"step_timeout", "env_error", "backend_error", "infra_error"}
)


@dataclass
class Trajectory:
    """A finished episode: ids with a loss mask and logprobs, messages, rewards and metadata."""

    prompt_ids: list[int] = field(default_factory=list)
    """Encoded opening messages plus the generation prompt (what the policy saw first)."""
    response_ids: list[int] = field(default_factory=list)
    """Completions and observations after the prompt, in order."""
    loss_mask: list[int] = field(default_factory=list)
    """Per response token: 1 for policy tokens, 0 for env/chat-format tokens."""
    logprobs: list[float] = field(default_factory=list)
    """Per response token: the sampled token's logprob; 0.0 for env tokens or when unknown."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """The conversation as OpenAI-style dicts (opening messages, assistant turns, env turns)."""
    tools: list[dict[str, Any]] = field(default_factory=list)
    """Tool specs the env offered (needed to re-encode `messages`)."""
    turn_rewards: list[float] = field(default_factory=list)
    """Reward of every env step, in order."""
    reward: float = 0.0
    """Episode return: the sum of `turn_rewards` (the final score for end-only rewards)."""
    termination: str = "terminated"
    """One of `TERMINATIONS`."""
    error: str | None = None
    """What went wrong for a failed termination (exception type and message)."""
    timings: dict[str, Any] = field(default_factory=dict)
    """Seconds: `reset`, `total`, and per-turn lists `generate` and `env`."""
    env_id: str = ""
    task_id: str | None = None
    seed: int | None = None
    group: str | None = None
    """Samples of the same task share a group (GRPO baselines)."""
    sample: int = 0
    """Index of this sample within its group."""
    num_turns: int = 0
    """Number of policy generations in the episode."""
    thinking: bool = False
    """Whether the prompt was encoded in thinking mode."""
    info: dict[str, Any] = field(default_factory=dict)
    """Free-form extras: last env info, parse errors, prefix violations, finish reasons."""
    scores: list[dict[str, Any]] = field(default_factory=list)
    """The env's `Score` of each scored step (`Score.to_dict()`: reward, components,
    details), in order: why the episode got its reward."""

    def __post_init__(self) -> None:
        if self.termination not in TERMINATIONS:
            raise DataError(
                f"unknown termination {self.termination!r}; expected one of {TERMINATIONS}",
                key="termination",
            )

    @property
    def failed(self) -> bool:
        """True when the episode ended on an infrastructure or harness failure."""
        return self.termination in FAILED_TERMINATIONS

    @property
    def num_response_tokens(self) -> int:
        return len(self.response_ids)

    @property
    def num_policy_tokens(self) -> int:
        return sum(self.loss_mask)

    @property
    def components(self) -> dict[str, float]:
        """The reward components of the last scored step ({} when nothing was scored)."""
        return dict(self.scores[-1].get("components") or {}) if self.scores else {}

    @property
    def num_tool_calls(self) -> int:
        """Tool calls the policy made (parsed from its turns), well-formed or not."""
        return sum(
            len(m.get("tool_calls") or ()) for m in self.messages if m.get("role") == "assistant"
        )

    def check(self) -> None:
        """Raise `DataError` if the per-token lists disagree in length (a corrupt record)."""
        n = len(self.response_ids)
        for name in ("loss_mask", "logprobs"):
            if len(getattr(self, name)) != n:
                raise DataError(
                    f"{name} has {len(getattr(self, name))} entries, response_ids has {n}",
                    key=name,
                )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        """Build from `to_dict` output; unknown keys are rejected so typos do not vanish."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError(f"unknown trajectory keys {unknown}", key=unknown[0])
        return cls(**data)

    def to_verl_agent_loop_output(self) -> dict[str, Any]:
        """Keyword arguments for verl's `AgentLoopOutput` (agent loops return one per episode).

        verl calls the loss mask `response_mask` (1 = model token, 0 = env token), counts
        `num_turns` as chat messages (user, assistant, tool) and wants `metrics` as seconds
        spent generating and in tools; the rest travels in `extra_fields`. Logprobs are None
        when the backend could not give them (a chat API), so verl recomputes them.
        """
        timings = self.timings or {}
        return {
            "prompt_ids": list(self.prompt_ids),
            "response_ids": list(self.response_ids),
            "response_mask": list(self.loss_mask),
            "response_logprobs": None if self.info.get("logprobs_missing") else list(self.logprobs),
            "reward_score": float(self.reward),
            "num_turns": sum(1 for m in self.messages if m.get("role") != "system"),
            "metrics": {
                "generate_sequences": float(sum(timings.get("generate") or [])),
                "tool_calls": float(sum(timings.get("env") or [])),
            },
            "extra_fields": {
                "termination": self.termination,
                "turn_rewards": list(self.turn_rewards),
                "policy_turns": self.num_turns,
                "task_id": self.task_id,
                "group": self.group,
                "error": self.error,
            },
        }


def write_jsonl(trajectories: Iterable[Trajectory], path: str | Path | IO[str]) -> int:
    """Write one JSON object per line (streaming: the iterable is consumed lazily).

    Returns the number of records written.
    """
    if hasattr(path, "write"):
        return _write_lines(trajectories, path)  # type: ignore[arg-type]
    p = Path(path)
    if p.parent != Path():
        p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as f:
        return _write_lines(trajectories, f)


def _write_lines(trajectories: Iterable[Trajectory], f: IO[str]) -> int:
    n = 0
    for traj in trajectories:
        f.write(json.dumps(traj.to_dict(), ensure_ascii=False) + "\n")
        n += 1
    return n


def read_jsonl(path: str | Path) -> Iterator[Trajectory]:
    """Yield trajectories one by one; a bad line raises `DataError` naming file and line."""
    for lineno, data in iter_jsonl(path):
        try:
            yield Trajectory.from_dict(data)
        except (TypeError, DataError) as exc:
            raise DataError(str(exc), path=str(path), line=lineno) from exc
