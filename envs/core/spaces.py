"""Gymnasium spaces for chat messages: what an agent env observes and what it is given.

Observations are lists of OpenAI-style message dicts and actions are one assistant message
(docs/ARCHITECTURE.md section 1). Neither fits Gymnasium's numeric spaces, so these spaces
check *structure* in `contains` and draw seeded random members in `sample`, which is what
`gymnasium.utils.env_checker.check_env` needs (it samples an action and steps with it).

Example:
    >>> space = AssistantMessageSpace(tool_names=("calculator",), seed=0)
    >>> space.contains({"role": "assistant", "content": "4"})
    True
    >>> space.sample() in space
    True
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.spaces import Space

from agent_rl.messages import ROLES, is_tool_call
from agent_rl.messages import is_message as _valid_message

ASSISTANT_KEYS = frozenset(
    {"role", "content", "reasoning_content", "tool_calls", "parse_errors", "name", "weight"}
)
MESSAGE_KEYS = frozenset(ASSISTANT_KEYS | {"tool_call_id"})
_ALPHABET = np.array(list("abcdefghijklmnopqrstuvwxyz      0123456789+-*/=.,"))

__all__ = ["ROLES", "AssistantMessageSpace", "MessagesSpace", "is_message", "is_tool_call"]


def is_message(message: Any) -> bool:
    """True if `message` follows `agent_rl.messages` and holds no key outside the contract."""
    if not isinstance(message, dict):
        return False
    if any(not isinstance(key, str) or key not in MESSAGE_KEYS for key in message):
        return False
    return _valid_message(message)


def _random_text(rng: np.random.Generator, max_len: int) -> str:
    length = int(rng.integers(1, max_len + 1))
    return "".join(rng.choice(_ALPHABET, size=length)).strip() or "x"


class MessagesSpace(Space[list]):
    """A list of OpenAI-style messages (an observation: the opening turn or what a step adds).

    Args:
        max_messages: upper bound on the list length accepted by `contains`, None for no bound.
        allow_empty: whether an empty list is a member (a step may add no message).
        seed: seed of the space's own generator used by `sample`.
    """

    def __init__(
        self, max_messages: int | None = None, allow_empty: bool = True, seed: int | None = None
    ) -> None:
        self.max_messages = max_messages
        self.allow_empty = allow_empty
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        if not isinstance(x, list) or (not x and not self.allow_empty):
            return False
        if self.max_messages is not None and len(x) > self.max_messages:
            return False
        return all(is_message(m) for m in x)

    def sample(self, mask: Any = None, probability: Any = None) -> list[dict[str, Any]]:
        """A system message (sometimes) followed by one user message of random text."""
        rng = self.np_random
        messages: list[dict[str, Any]] = []
        if rng.random() < 0.5:
            messages.append({"role": "system", "content": _random_text(rng, 40)})
        messages.append({"role": "user", "content": _random_text(rng, 80)})
        return messages

    def to_jsonable(self, sample_n: Sequence[list]) -> list[list]:
        return [copy.deepcopy(s) for s in sample_n]

    def from_jsonable(self, sample_n: list[list]) -> list[list]:
        return [copy.deepcopy(s) for s in sample_n]

    def __repr__(self) -> str:
        return f"MessagesSpace(max_messages={self.max_messages}, allow_empty={self.allow_empty})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MessagesSpace)
            and other.max_messages == self.max_messages
            and other.allow_empty == self.allow_empty
        )

    __hash__ = None  # type: ignore[assignment]


class AssistantMessageSpace(Space[dict]):
    """One assistant message: `content`, optional `reasoning_content` and `tool_calls`.

    A plain string is also a member, because envs accept it as the message content.

    Args:
        tool_names: names of the env's tools; `sample` sometimes calls one of them, so that
            `check_env` exercises the tool path of multi-turn envs.
        seed: seed of the space's own generator used by `sample`.
    """

    def __init__(self, tool_names: Sequence[str] = (), seed: int | None = None) -> None:
        self.tool_names = tuple(tool_names)
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        if isinstance(x, str):
            return True
        if not isinstance(x, dict) or x.get("role", "assistant") != "assistant":
            return False
        if any(key not in ASSISTANT_KEYS for key in x):
            return False
        return is_message(
            {**{k: v for k, v in x.items() if k != "parse_errors"}, "role": "assistant"}
        )

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        """Random text, and with probability 1/2 a call to one of `tool_names` (if any)."""
        rng = self.np_random
        message: dict[str, Any] = {"role": "assistant", "content": _random_text(rng, 60)}
        if self.tool_names and rng.random() < 0.5:
            name = str(rng.choice(self.tool_names))
            arguments = {"expression": f"{int(rng.integers(0, 100))}+{int(rng.integers(0, 100))}"}
            message["tool_calls"] = [
                {
                    "id": f"call_{int(rng.integers(0, 10**6))}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
            ]
        return message

    def to_jsonable(self, sample_n: Sequence[dict]) -> list[dict]:
        return [copy.deepcopy(s) for s in sample_n]

    def from_jsonable(self, sample_n: list[dict]) -> list[dict]:
        return [copy.deepcopy(s) for s in sample_n]

    def __repr__(self) -> str:
        return f"AssistantMessageSpace(tool_names={self.tool_names!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AssistantMessageSpace) and other.tool_names == self.tool_names

    __hash__ = None  # type: ignore[assignment]
