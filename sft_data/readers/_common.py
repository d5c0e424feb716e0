"""Helpers shared by the readers: loose literal parsing, argument and schema normalisation.

These exist because public function-calling data is messy in the same few ways: arguments as
objects or as (doubly) encoded JSON strings, Python-style quoting (`'x'`, `True`, `None`),
JSON-schema dialects with Python type names (`dict`, `float`, `str, optional`).
"""

from __future__ import annotations

import ast
import json
from typing import Any

from agent_rl.sft_data.schema import tool_call, tool_spec


class RecordError(Exception):
    """One input record cannot be converted; `reason` is a short slug counted in the summary."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


_NAMES = {"True": True, "False": False, "None": None, "true": True, "false": False, "null": None}


def _literal(node: ast.AST) -> Any:
    """Like `ast.literal_eval` but also accepts JSON's true/false/null; never evaluates code."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("dict unpacking is not a literal")
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=False)}  # type: ignore[arg-type]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    raise ValueError(f"not a literal: {ast.dump(node)[:80]}")


def literal_from_ast(node: ast.AST) -> Any:
    """Public form of the safe literal walker (used by the bracket-call reader)."""
    return _literal(node)


def loads_loose(text: str) -> Any:
    """Parse JSON, else a Python/JSON literal (single quotes, True/None, true/null) via `ast`."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return _literal(ast.parse(text.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"neither JSON nor a Python literal: {exc}") from None


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
    for _ in range(3):  # object, string, string-of-string
        if value is None or (isinstance(value, str) and not value.strip()):
            return "{}"
        if isinstance(value, dict):
            return dumps(value)
        if isinstance(value, str):
            try:
                value = loads_loose(value)
            except ValueError as exc:
                raise RecordError("unparseable_arguments", f"{exc}; text={value[:80]!r}") from None
            continue
        break
    raise RecordError("arguments_not_object", f"arguments decode to {type(value).__name__}")


def content_text(value: Any) -> str:
    """Message content as text: strings as is, OpenAI content parts joined, None -> ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, dict) and part.get("type", "text") == "text":
                parts.append(str(part.get("text", "")))
            elif isinstance(part, str):
                parts.append(part)
            else:
                raise RecordError("non_text_content", f"content part {str(part)[:60]!r}")
        return "".join(parts)
    if isinstance(value, (dict, int, float, bool)):
        return dumps(value)
    raise RecordError("bad_content", f"content of type {type(value).__name__}")


def split_think(text: str) -> tuple[str | None, str]:
    """`<think>R</think>A` -> (R, A); text without a leading think block -> (None, text)."""
    stripped = text.lstrip()
    if stripped.startswith("<think>") and "</think>" in stripped:
        reasoning, _, answer = stripped[len("<think>") :].partition("</think>")
        return reasoning.strip(), answer.lstrip("\n")
    return None, text


_TYPE_MAP = {
    "dict": "object", "object": "object", "str": "string", "string": "string",
    "int": "integer", "integer": "integer", "float": "number", "number": "number",
    "double": "number", "long": "integer", "bool": "boolean", "boolean": "boolean",
    "list": "array", "array": "array", "tuple": "array", "set": "array", "arraylist": "array",
    "hashmap": "object", "map": "object",
    "any": None, "null": "null",
}  # fmt: skip


def normalize_schema(schema: Any) -> Any:
    """Map Python-flavoured type names (BFCL, ToolACE, xlam) onto JSON-schema types, recursively.

    Unknown types (`Any`, `HashMap`, ...) lose their `type` so validators accept any value
    rather than reject good data; the original is kept under `x-original-type`.
    """
    if isinstance(schema, list):
        return [normalize_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            mapped = _TYPE_MAP.get(value.strip().lower(), "?")
            if mapped == "?":
                base = value.split("[", 1)[0].split(",", 1)[0].strip().lower()
                mapped = _TYPE_MAP.get(base, "?")
            if mapped in ("?", None):
                out["x-original-type"] = value
                continue
            out["type"] = mapped
        elif key in ("properties", "definitions", "$defs") and isinstance(value, dict):
            out[key] = {k: normalize_schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not"):
            out[key] = normalize_schema(value)
        elif key == "required" and value is None:
            continue
        else:
            out[key] = value
    return out


def function_to_spec(fn: Any) -> dict[str, Any]:
    """A bare function definition or an OpenAI tool spec -> a canonical tool spec."""
    if not isinstance(fn, dict):
        raise RecordError("bad_tool_spec", f"tool definition is {type(fn).__name__}")
    if fn.get("type") == "function" and isinstance(fn.get("function"), dict):
        fn = fn["function"]
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise RecordError("bad_tool_spec", "tool definition without a name")
    params = fn.get("parameters")
    if params is None:
        params = {"type": "object", "properties": {}}
    elif isinstance(params, str):
        try:
            params = loads_loose(params)
        except ValueError as exc:
            raise RecordError("bad_tool_spec", f"tool {name!r}: parameters {exc}") from None
    if not isinstance(params, dict):
        raise RecordError("bad_tool_spec", f"tool {name!r}: parameters is not an object")
    params = normalize_schema(params)
    params.setdefault("type", "object")
    if params.get("type") != "object":
        raise RecordError("bad_tool_spec", f"tool {name!r}: parameters type {params['type']!r}")
    description = fn.get("description") or ""
    return tool_spec(name, str(description), params)


def parse_tools(value: Any) -> list[dict[str, Any]]:
    """Tools as a list or a JSON/Python-literal string of a list (or one object) -> specs."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = loads_loose(value)
        except ValueError as exc:
            raise RecordError("bad_tools", str(exc)) from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise RecordError("bad_tools", f"tools is {type(value).__name__}")
    return [function_to_spec(fn) for fn in value]


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
