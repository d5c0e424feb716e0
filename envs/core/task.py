"""The task record every env runs: frozen, typed, and convertible to and from plain dicts.

A task is what `reset(options={"task": {...}})` accepts and what task sources yield. The dict
schema is exactly the dataclass fields below; unknown keys are an error so that a typo in a
data file is caught where it is written rather than silently dropped.

`answer` is the gold answer as text (math, exact-match families); `target` is a typed,
JSON-serialisable payload for families whose gold is structured (tests, expected calls, final
states, FAIL_TO_PASS lists, gold evidence). A family declares its target as a frozen dataclass
subclass of `Target` with a `kind`; `Task.to_dict` writes `{"kind": ..., **fields}` and
`Task.from_dict` reads it back into that class. A kind nobody declared (its family's module is
not imported) stays a `RawTarget` and round-trips unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agent_rl.errors import DataError

TASK_KEYS = ("id", "prompt", "answer", "target", "metadata")

_TARGET_KINDS: dict[str, type[Target]] = {}


@dataclass(frozen=True)
class Target:
    """Base of typed task targets: subclass as a frozen dataclass with a class-level `kind`.

    Fields hold JSON types (str, numbers, bools, None, lists, dicts); `to_dict` and
    `from_dict` round-trip them. Example:

        >>> @dataclass(frozen=True)
        ... class Evidence(Target):
        ...     kind = "doc_evidence"
        ...     doc_ids: tuple[str, ...] = ()
        >>> t = Target.from_dict({"kind": "doc_evidence", "doc_ids": ["d1"]})
        >>> t.doc_ids
        ('d1',)
    """

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            _TARGET_KINDS[cls.kind] = cls

    def to_dict(self) -> dict[str, Any]:
        """`{"kind": ..., **fields}` (tuples written as lists)."""
        data = {"kind": self.kind}
        for f in dataclasses.fields(self):
            data[f.name] = _plain(getattr(self, f.name))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: dict[str, Any] | None = None) -> Target:
        """The target of `data["kind"]` (a `RawTarget` for a kind nobody declared)."""
        where = where or {}
        if not isinstance(data, Mapping):
            raise DataError("a target must be a mapping with a 'kind'", key="target", **where)
        kind = data.get("kind")
        if not isinstance(kind, str) or not kind:
            raise DataError("a target needs a non-empty string 'kind'", key="target.kind", **where)
        target_cls = _TARGET_KINDS.get(kind)
        fields_ = {k: v for k, v in data.items() if k != "kind"}
        if target_cls is None:
            return RawTarget(kind_name=kind, data=fields_)
        names = {f.name: f for f in dataclasses.fields(target_cls)}
        unknown = sorted(set(fields_) - set(names))
        if unknown:
            raise DataError(
                f"unknown field(s) {unknown} for target kind {kind!r}; it has {sorted(names)}",
                key=f"target.{unknown[0]}",
                **where,
            )
        values = {}
        for name, value in fields_.items():
            default = names[name].default
            values[name] = tuple(value) if isinstance(default, tuple) and isinstance(
                value, list
            ) else value
        try:
            return target_cls(**values)
        except (TypeError, ValueError) as exc:
            raise DataError(f"bad target of kind {kind!r}: {exc}", key="target", **where) from exc


@dataclass(frozen=True)
class RawTarget(Target):
    """A target whose kind no imported family declared: kept as data, round-trips unchanged."""

    kind_name: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind_name, **copy.deepcopy(dict(self.data))}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


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
    answer: str = ""
    """The gold answer as text (for math: a LaTeX or plain value); "" when `target` says it."""
    target: Target | None = None
    """Structured gold for families that need more than a string (tests, calls, states)."""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Free-form extras (source, level, full solution, ...); never used for the reward."""

    def to_dict(self) -> dict[str, Any]:
        """A plain-dict copy (JSON-ready when the metadata is)."""
        data: dict[str, Any] = {"id": self.id, "prompt": self.prompt, "answer": self.answer}
        if self.target is not None:
            data["target"] = self.target.to_dict()
        data["metadata"] = copy.deepcopy(dict(self.metadata))
        return data

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
            value = data.get(key, "" if key == "answer" else None)
            if key == "answer" and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or (key != "answer" and not value.strip()):
                raise DataError(
                    f"expected a non-empty string, got {value!r}", path=path, line=line, key=key
                )
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise DataError("expected a mapping", path=path, line=line, key="metadata")
        target = data.get("target")
        if target is not None and not isinstance(target, Target):
            target = Target.from_dict(target, where={"path": path, "line": line})
        if target is not None:
            try:
                json.dumps(target.to_dict())
            except (TypeError, ValueError) as exc:
                raise DataError(
                    f"target is not JSON-serialisable: {exc}", path=path, line=line, key="target"
                ) from exc
        return cls(
            id=str(data["id"]),
            prompt=str(data["prompt"]),
            answer=str(data.get("answer", "")),
            target=target,
            metadata=copy.deepcopy(dict(metadata)),
        )
