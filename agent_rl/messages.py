"""The one message contract: roles, validation, tool-call and content helpers, function schemas.

Envs (observation and action spaces), SFT data (canonical records) and the chat formats all
read OpenAI-style message dicts; this module is the single place that says what one is.

Rules (one set for every caller):
- `role` is one of `ROLES`;
- `content` is a string; an *assistant* message may have `content: None` (OpenAI sends it with
  tool calls) and it means "" everywhere (the chat format renders it so, `normalize_message`
  writes it so); content parts (`[{"type": "text", "text": ...}]`) are text joined;
- `reasoning_content`, `tool_calls` and `weight` belong to assistant messages only; `weight` is
  0 or 1 (OpenAI fine-tuning): weight 0 keeps the turn in the context but never trains it;
- a tool call is `{id, type: "function", function: {name, arguments}}` with `arguments` a JSON
  *string*. Model output may hold arguments that are not JSON (the env reports that to the
  model), so only training data (`training=True`) must also have ids and object arguments;
- `tool_call_id` and `name` of a tool message are strings.

The function-schema helpers (`tool_spec`, `normalize_schema`, `function_to_spec`,
`parse_tools`, `loads_loose`) turn the schema dialects of public data (BFCL, ToolACE, xlam:
Python type names, schemas as strings) into OpenAI function specs, for SFT readers and envs.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Mapping
from typing import Any

ROLES = ("system", "user", "assistant", "tool")
ASSISTANT_ONLY = ("reasoning_content", "tool_calls", "weight")


class MessageError(ValueError):
    """A message, tool call or schema that breaks the contract; `reason` is a short slug."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


# ---------------------------------------------------------------------------------- content
def content_of(value: Any) -> str:
    """Content in any common spelling as text: None -> "", text parts joined, scalars as JSON.

    Raises `MessageError` (`non_text_content`, `bad_content`) for images or other non-text.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, Mapping) and part.get("type", "text") == "text":
                parts.append(str(part.get("text", "")))
            elif isinstance(part, str):
                parts.append(part)
            else:
                raise MessageError("non_text_content", f"content part {str(part)[:60]!r}")
        return "".join(parts)
    if isinstance(value, (dict, int, float, bool)):
        return json.dumps(value, ensure_ascii=False)
    raise MessageError("bad_content", f"content of type {type(value).__name__}")


def content_text(message: Mapping[str, Any], index: int | None = None) -> str:
    """A message's content as a string (None means empty; OpenAI text parts are joined).

    Raises `agent_rl.errors.DataError` naming `messages[index].content` when it is not text.
    """
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        try:
            return content_of(content)
        except MessageError:
            pass
    from agent_rl.errors import DataError

    where = f"messages[{index}].content" if index is not None else "content"
    raise DataError(f"content must be a string, got {type(content).__name__}", key=where)


# -------------------------------------------------------------------------------- tool calls
def tool_call(name: str, arguments: str | Mapping[str, Any], call_id: str) -> dict[str, Any]:
    """An OpenAI tool call; `arguments` a JSON string, or an object that is dumped to one."""
    if not isinstance(arguments, str):
        arguments = json.dumps(dict(arguments))
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _call_problems(call: Any, where: str, training: bool) -> list[str]:
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        return [f"{where}: must be {{id, type, function: {{name, arguments}}}}"]
    problems = []
    cid = call.get("id")
    if training and (not isinstance(cid, str) or not cid):
        problems.append(f"{where}.id: missing")
    elif cid is not None and not isinstance(cid, str):
        problems.append(f"{where}.id: must be a string")
    if call.get("type", None if training else "function") != "function":
        problems.append(f"{where}.type: must be 'function'")
    fn = call["function"]
    if not isinstance(fn.get("name"), str) or (training and not fn["name"]):
        problems.append(f"{where}.function.name: missing")
    args = fn.get("arguments")
    if not isinstance(args, str):
        problems.append(f"{where}.function.arguments: must be a JSON string")
    elif training:
        try:
            decoded = json.loads(args)
        except (ValueError, RecursionError):
            problems.append(f"{where}.function.arguments: not valid JSON")
        else:
            if not isinstance(decoded, dict):
                problems.append(f"{where}.function.arguments: must encode an object")
    return problems


def is_tool_call(call: Any) -> bool:
    """True if `call` has the OpenAI tool-call shape with a JSON *string* as arguments."""
    return not _call_problems(call, "call", training=False)


# ---------------------------------------------------------------------------------- messages
def message_problems(message: Any, index: int = 0, *, training: bool = False) -> list[str]:
    """Every way `message` breaks the contract (empty list: valid); see the module rules."""
    where = f"messages[{index}]"
    if not isinstance(message, Mapping):
        return [f"{where}: not an object"]
    role = message.get("role")
    if role not in ROLES:
        return [f"{where}.role: {role!r} not one of {', '.join(ROLES)}"]
    problems = []
    content = message.get("content")
    if not isinstance(content, str) and not (role == "assistant" and content is None):
        problems.append(f"{where}.content: must be a string")
    for key in ASSISTANT_ONLY:
        if key in message and role != "assistant":
            problems.append(f"{where}.{key}: only assistant messages carry {key}")
    if role != "assistant":
        pass
    elif "reasoning_content" in message and not isinstance(
        message["reasoning_content"], (str, type(None))
    ):
        problems.append(f"{where}.reasoning_content: must be a string")
    weight = message.get("weight", 1)
    if role == "assistant" and (isinstance(weight, bool) or weight not in (0, 1)):
        problems.append(f"{where}.weight: must be 0 or 1")
    if role == "assistant" and message.get("tool_calls") is not None:
        calls = message["tool_calls"]
        if not isinstance(calls, list) or (training and not calls):
            problems.append(f"{where}.tool_calls: must be a non-empty list")
        else:
            for j, call in enumerate(calls):
                problems += _call_problems(call, f"{where}.tool_calls[{j}]", training)
    if role == "tool":
        for key in ("tool_call_id", "name"):
            if key in message and not isinstance(message[key], str):
                problems.append(f"{where}.{key}: must be a string")
    return problems


def is_message(message: Any) -> bool:
    """True if `message` is a valid message of any role."""
    return not message_problems(message)


def normalize_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with `content: None` written as "" and `tool_calls: []` dropped (same meaning)."""
    out = dict(message)
    if out.get("content") is None:
        out["content"] = ""
    if "tool_calls" in out and not out["tool_calls"]:
        del out["tool_calls"]
    return out


def trained_turns(messages: list[Mapping[str, Any]]) -> list[bool]:
    """For each assistant message in order: whether it is a training target (weight != 0)."""
    return [m.get("weight", 1) != 0 for m in messages if m.get("role") == "assistant"]


# ------------------------------------------------------------------------- function schemas
def tool_spec(name: str, description: str = "", parameters: dict[str, Any] | None = None) -> dict:
    """An OpenAI function tool spec; missing parameters become an empty object schema."""
    params = parameters if parameters is not None else {"type": "object", "properties": {}}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": params},
    }


_NAMES = {"True": True, "False": False, "None": None, "true": True, "false": False, "null": None}


def literal(node: ast.AST) -> Any:
    """Like `ast.literal_eval` but also accepts JSON's true/false/null; never evaluates code."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("dict unpacking is not a literal")
        return {literal(k): literal(v) for k, v in zip(node.keys, node.values, strict=False)}  # type: ignore[arg-type]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [literal(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    raise ValueError(f"not a literal: {ast.dump(node)[:80]}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not standard JSON")


def is_finite_json(value: Any) -> bool:
    """Whether `value` holds no NaN or infinite float at any depth (standard JSON can't)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(is_finite_json(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_finite_json(v) for v in value)
    return True


def loads_loose(text: str) -> Any:
    """Parse JSON, else a Python/JSON literal (single quotes, True/None, true/null) via `ast`.

    NaN/Infinity are not accepted as JSON constants (they are not standard JSON).
    """
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        pass
    try:
        from agent_rl.pyast import parse as parse_python  # one locked ast.parse

        return literal(parse_python(text.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"neither JSON nor a Python literal: {exc}") from None


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
    """A bare function definition or an OpenAI tool spec -> a canonical tool spec.

    Raises `MessageError("bad_tool_spec", ...)` naming the tool when it cannot be one.
    """
    if not isinstance(fn, dict):
        raise MessageError("bad_tool_spec", f"tool definition is {type(fn).__name__}")
    if fn.get("type") == "function" and isinstance(fn.get("function"), dict):
        fn = fn["function"]
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise MessageError("bad_tool_spec", "tool definition without a name")
    params = fn.get("parameters")
    if params is None:
        params = {"type": "object", "properties": {}}
    elif isinstance(params, str):
        try:
            params = loads_loose(params)
        except ValueError as exc:
            raise MessageError("bad_tool_spec", f"tool {name!r}: parameters {exc}") from None
    if not isinstance(params, dict):
        raise MessageError("bad_tool_spec", f"tool {name!r}: parameters is not an object")
    params = normalize_schema(params)
    params.setdefault("type", "object")
    if params.get("type") != "object":
        raise MessageError("bad_tool_spec", f"tool {name!r}: parameters type {params['type']!r}")
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
            raise MessageError("bad_tools", str(exc)) from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise MessageError("bad_tools", f"tools is {type(value).__name__}")
    return [function_to_spec(fn) for fn in value]


__all__ = [
    "ROLES",
    "MessageError",
    "content_of",
    "content_text",
    "function_to_spec",
    "is_finite_json",
    "is_message",
    "is_tool_call",
    "literal",
    "loads_loose",
    "message_problems",
    "normalize_message",
    "normalize_schema",
    "parse_tools",
    "tool_call",
    "tool_spec",
    "trained_turns",
]
