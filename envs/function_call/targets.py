"""Typed targets of the function-calling family (JSON-serialisable, see `agent_rl.envs.Target`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_rl.envs.core.task import Target


@dataclass(frozen=True)
class ExpectedCalls(Target):
    """FunctionCall-v0's gold: BFCL-shaped possible answers.

    `calls` is `[{"fn": {"arg": [acceptable values...]}}]` (`""` among the values marks the
    argument optional); `[]` means the right answer is no call at all.
    """

    kind = "expected_calls"
    category: str = "simple"
    """simple | multiple | parallel | parallel_multiple | irrelevance (the checker's rules)."""
    calls: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class WorldTarget(Target):
    """ToolWorld-v0's gold: the expected final state, milestones, minefields, answer."""

    kind = "toolworld"
    final_state: dict[str, Any] = field(default_factory=dict)
    """The service's whole state after a correct episode (compared per suite keys)."""
    milestones: tuple[dict[str, Any], ...] = ()
    """Events that must happen: `{"id", "tool", "args": {subset}, "after": [ids]}`."""
    minefields: tuple[dict[str, Any], ...] = ()
    """Events that must not happen: `{"tool", "args": {subset}}`; any one zeroes the reward."""
    answer_contains: tuple[str, ...] = ()
    """Strings the final answer must contain (numbers compared as numbers)."""
