"""Helpers shared by the readers: loose literal parsing, argument and schema normalisation.

These exist because public function-calling data is messy in the same few ways: arguments as
objects or as (doubly) encoded JSON strings, Python-style quoting (`'x'`, `True`, `None`),
JSON-schema dialects with Python type names (`dict`, `float`, `str, optional`).
"""

from __future__ import annotations

import json
from typing import Any

from agent_rl import messages as _messages
from agent_rl.messages import (
    MessageError,
    content_of,
    is_finite_json,
    literal,
    loads_loose,
    normalize_schema,
    tool_call,
)

__all__ = [
    "CallIds",
    "RecordError",
    "assistant",
    "content_text",
    "dumps",
    "function_to_spec",
    "json_values",
    "literal_from_ast",
    "loads_loose",
    "normalize_arguments",
    "normalize_schema",
    "parse_tools",
    "split_think",
]


class RecordError(MessageError):
    """One input record cannot be converted; `reason` is a short slug counted in the summary."""


def literal_from_ast(node: Any) -> Any:
    """Public form of the safe literal walker (used by the bracket-call reader)."""
    return literal(node)


def function_to_spec(fn: Any) -> dict[str, Any]:
    """`agent_rl.messages.function_to_spec`, raising `RecordError` as readers always did."""
    try:
        return _messages.function_to_spec(fn)
    except MessageError as exc:
        raise RecordError(exc.reason, exc.detail) from None


def parse_tools(value: Any) -> list[dict[str, Any]]:
    """`agent_rl.messages.parse_tools`, raising `RecordError` as readers always did."""
    try:
        return _messages.parse_tools(value)
    except MessageError as exc:
        raise RecordError(exc.reason, exc.detail) from None


def content_text(value: Any) -> str:
    """Message content as text (`agent_rl.messages.content_of`; bad content is a RecordError)."""
    try:
        return content_of(value)
    except MessageError as exc:
        raise RecordError(exc.reason, exc.detail) from None


def json_values(text: str, start: int, what: str) -> list[Any]:
    """JSON values written one after another from `start` (blank lines or commas between),
    as glaive's system prompt and some `<tools>` blocks list function definitions."""
    decoder = json.JSONDecoder()
    values = []
    pos = start
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise RecordError("bad_tools", f"{what}: {exc.msg}") from None
        values.append(value)
    return values


def dumps(value: Any) -> str:
    """The one JSON spelling used in canonical records (keeps non-ASCII text readable)."""
    return json.dumps(value, ensure_ascii=False)


def normalize_arguments(value: Any) -> str:
    """Arguments in any public spelling -> a canonical JSON-object string.

    Accepts an object, a JSON string, a doubly encoded JSON string, a Python-literal string,
    or nothing (no arguments). Raises `RecordError` when the result is not an object.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return "{}"  # no arguments at all (a written `null` is an error, below)
    for _ in range(3):  # object, string, string-of-string
        if isinstance(value, dict):
            if not is_finite_json(value):
                raise RecordError("unparseable_arguments", "NaN or infinite number in arguments")
            return dumps(value)
        if isinstance(value, str):
            try:
                value = loads_loose(value)
            except ValueError as exc:
                raise RecordError("unparseable_arguments", f"{exc}; text={value[:80]!r}") from None
            continue
        break
    kind = "null" if value is None else type(value).__name__
    raise RecordError("arguments_not_object", f"arguments decode to {kind}, not an object")


def split_think(text: str) -> tuple[str | None, str]:
    """`<think>R</think>A` -> (R, A); text without a leading think block -> (None, text)."""
    stripped = text.lstrip()
    if stripped.startswith("<think>") and "</think>" in stripped:
        reasoning, _, answer = stripped[len("<think>") :].partition("</think>")
        return reasoning.strip(), answer.lstrip("\n")
    return None, text


class CallIds:
    """Gives tool calls stable ids (`call_0`, `call_1`, ...) and pairs results with calls.

    Sources without ids (most of them) are matched by position, as the V3.1 template does.
    """

    def __init__(self) -> None:
        self.counter = 0
        self.pending: list[tuple[str, str]] = []  # (id, name) of calls still without a result

    def call(self, name: str, arguments: Any, call_id: str | None = None) -> dict[str, Any]:
        cid = call_id if isinstance(call_id, str) and call_id else f"call_{self.counter}"
        self.counter += 1
        self.pending.append((cid, name))
        return tool_call(name, normalize_arguments(arguments), cid)

    def result(self, content: str, call_id: str | None = None, name: str | None = None) -> dict:
        """A tool message answering `call_id`, else the call named `name`, else the oldest."""
        index = 0
        if call_id:
            index = next((i for i, (c, _) in enumerate(self.pending) if c == call_id), -1)
        elif name:
            index = next((i for i, (_, n) in enumerate(self.pending) if n == name), 0)
        msg: dict[str, Any] = {"role": "tool", "content": content}
        if self.pending and index >= 0:
            cid, cname = self.pending.pop(index)
            msg["tool_call_id"] = cid
            msg["name"] = name or cname
        else:
            if call_id:
                msg["tool_call_id"] = call_id
            if name:
                msg["name"] = name
        return msg

    def new_turn(self) -> None:
        """A user turn closes the previous round of calls."""
        self.pending.clear()


def assistant(content: str, tool_calls: list[dict] | None = None) -> dict[str, Any]:
    """An assistant message, moving a leading `<think>` block into `reasoning_content`."""
    reasoning, answer = split_think(content)
    msg: dict[str, Any] = {"role": "assistant", "content": answer}
    if reasoning is not None:
        msg["reasoning_content"] = reasoning
    if tool_calls:
        msg["tool_calls"] = tool_calls
    return msg
