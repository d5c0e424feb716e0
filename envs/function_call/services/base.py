"""A simulated service: a small Python class whose public methods are the agent's tools.

State is plain JSON (`load(state)` / `state()`), so tasks can ship an initial state and an
expected final state. Every successful state-changing call is logged as an `Event` (tool name
and arguments): milestones and minefields are judged on these events. A method signals a
refused request (insufficient funds, a booking conflict, a missing file) by raising
`ServiceError`: the agent reads the message; it is not an invalid call.

`comparable_state()` is the part of the state the judge compares with the expected state,
as `{key: value}` pairs so that partial credit can count matching keys (each suite says what
its keys are).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agent_rl.tools import Tool, tool

_PROTOTYPES: dict[type, list[Tool]] = {}


class ServiceError(Exception):
    """The service refused a request (the agent sees the message)."""


@dataclass(frozen=True)
class Event:
    """One successful call that changed (or was allowed to change) the service's state."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


class Service:
    """Base class of the simulated services (see the module docstring)."""

    suite: ClassVar[str] = ""
    tool_names: ClassVar[tuple[str, ...]] = ()
    mutating: ClassVar[frozenset[str]] = frozenset()
    """Tools whose successful calls are logged as events (reads are logged too, marked)."""
    partial_credit: ClassVar[bool] = True
    """False: the suite's reward is all or nothing (see the suite's docstring)."""

    def __init__(self, state: Mapping[str, Any] | None = None) -> None:
        self.events: list[Event] = []
        self.load(state or {})

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace the whole state (a deep copy) and forget the events."""
        self.events = []
        self._load(copy.deepcopy(dict(state)))

    def _load(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def comparable_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def log(self, name: str, **args: Any) -> None:
        self.events.append(Event(name, copy.deepcopy(args)))

    def tools(self) -> list[Tool]:
        """Tools over this object's bound methods (schemas from type hints and docstrings).

        Schemas are derived and checked once per class (that costs ~40 ms); each service
        object gets copies of those tools bound to its own methods.
        """
        cls = type(self)
        if cls not in _PROTOTYPES:
            _PROTOTYPES[cls] = [tool(getattr(self, name)) for name in self.tool_names]
        out = []
        for proto in _PROTOTYPES[cls]:
            bound = copy.copy(proto)
            bound.fn = getattr(self, proto.name)
            out.append(bound)
        return out

    @classmethod
    def comparable(cls, state: Mapping[str, Any]) -> dict[str, Any]:
        """`comparable_state()` of a state given as JSON (for expected states)."""
        return cls(state).comparable_state()
