"""The task record every env runs: frozen, typed, and convertible to and from plain dicts.

A task is what `reset(options={"task": {...}})` accepts and what task sources yield. The dict
schema is exactly the dataclass fields below; unknown keys are an error so that a typo in a
data file is caught where it is written rather than silently dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_rl.errors import DataError

TASK_KEYS = ("id", "prompt", "answer", "metadata")


@dataclass(frozen=True)
class Task:
    """One problem an env can pose.

    Example:
        >>> Task.from_dict({"id": "t1", "prompt": "2+2?", "answer": "4"}).answer
        '4'
    """

    id: str
    """Stable identifier (reported as `info["task_id"]`); unique within its source."""
    prompt: str
    """The user-facing problem text (the env adds its own system prompt around it)."""
    answer: str
    """The gold answer the env's reward checks against (for math: a LaTeX or plain value)."""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Free-form extras (source, level, full solution, ...); never used for the reward."""

    def to_dict(self) -> dict[str, Any]:
        """A plain-dict copy (JSON-ready when the metadata is)."""
        return {
            "id": self.id,
            "prompt": self.prompt,
            "answer": self.answer,
            "metadata": copy.deepcopy(dict(self.metadata)),
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any] | Task, *, path: str | None = None, line: int | None = None
    ) -> Task:
        """Build and check a task; errors name the file/line (when given) and the bad key."""
        if isinstance(data, Task):
            return data
        if not isinstance(data, Mapping):
            raise DataError(
                f"a task must be a mapping, got {type(data).__name__}", path=path, line=line
            )
        unknown = sorted(set(data) - set(TASK_KEYS))
        if unknown:
            raise DataError(
                f"unknown task key(s) {unknown}; a task has {list(TASK_KEYS)}",
                path=path,
                line=line,
                key=unknown[0],
            )
        for key in ("id", "prompt", "answer"):
            value = data.get(key)
            if key == "answer" and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or (key != "answer" and not value.strip()):
                raise DataError(
                    f"expected a non-empty string, got {value!r}", path=path, line=line, key=key
                )
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise DataError("expected a mapping", path=path, line=line, key="metadata")
        return cls(
            id=str(data["id"]),
            prompt=str(data["prompt"]),
            answer=str(data["answer"]),
            metadata=copy.deepcopy(dict(metadata)),
        )
