"""The canonical conversation record every reader produces and every curation pass consumes.

One shape for all sources, so passes and the tokenizer never care where a sample came from::

    {
      "id": "xlam:17",                      # stable id (source id, else file stem + line)
      "messages": [                         # OpenAI-style messages (docs/ARCHITECTURE.md §1)
        {"role": "system", "content": "..."},
        {"role": "user", "content": "..."},
        {"role": "assistant", "content": "", "reasoning_content": "...",   # optional
         "tool_calls": [{"id": "call_0", "type": "function",
                         "function": {"name": "f", "arguments": "{\\"a\\": 1}"}}]},
        {"role": "tool", "content": "...", "tool_call_id": "call_0", "name": "f"},
        {"role": "assistant", "content": "..."}
      ],
      "tools": [{"type": "function",
                 "function": {"name": "f", "description": "...", "parameters": {...}}}],
      "source": {"file": "data/x.json", "line": 3, "format": "xlam"},
      "meta": {"thinking": false, ...}      # free-form annotations of passes
    }

An assistant message may carry `"weight": 0` (OpenAI fine-tuning): it stays in the context but
is not a training target (`agent_rl.sft_data.tokenize` clears its loss mask).

Rules the validator enforces: `content` is always a string (never None); `arguments` is always
a JSON string that decodes to an object; tool-call ids are present; at least one assistant
message exists; tools are OpenAI function specs whose `parameters` is an object schema.
"""

from __future__ import annotations

import json
from typing import Any

from agent_rl.errors import DataError

ROLES = ("system", "user", "assistant", "tool")
RECORD_KEYS = ("id", "messages", "tools", "source", "meta")


def tool_call(name: str, arguments: str, call_id: str) -> dict[str, Any]:
    """An OpenAI tool call with JSON-string arguments (the only form the chat format accepts)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_spec(name: str, description: str = "", parameters: dict[str, Any] | None = None) -> dict:
    """An OpenAI function tool spec; missing parameters become an empty object schema."""
    params = parameters if parameters is not None else {"type": "object", "properties": {}}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": params},
    }


def make_record(
    record_id: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    source: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble a canonical record (no validation: call `validate_record` or `check_record`)."""
    return {
        "id": record_id,
        "messages": messages,
        "tools": tools or [],
        "source": source or {"file": "", "line": 0, "format": ""},
        "meta": meta or {},
    }


def _check_message(i: int, msg: Any, problems: list[str]) -> None:
    where = f"messages[{i}]"
    if not isinstance(msg, dict):
        problems.append(f"{where}: not an object")
        return
    role = msg.get("role")
    if role not in ROLES:
        problems.append(f"{where}.role: {role!r} not one of {', '.join(ROLES)}")
        return
    if not isinstance(msg.get("content"), str):
        problems.append(f"{where}.content: must be a string")
    if "reasoning_content" in msg and role != "assistant":
        problems.append(f"{where}.reasoning_content: only assistant messages carry reasoning")
    if "reasoning_content" in msg and not isinstance(msg["reasoning_content"], str):
        problems.append(f"{where}.reasoning_content: must be a string")
    if "weight" in msg and (role != "assistant" or msg["weight"] not in (0, 1) or isinstance(msg["weight"], bool)):
        problems.append(f"{where}.weight: only assistant messages carry a weight, 0 or 1")
    if "tool_calls" in msg:
        if role != "assistant":
            problems.append(f"{where}.tool_calls: only assistant messages carry tool calls")
        calls = msg["tool_calls"]
        if not isinstance(calls, list) or not calls:
            problems.append(f"{where}.tool_calls: must be a non-empty list")
            return
        for j, call in enumerate(calls):
            cw = f"{where}.tool_calls[{j}]"
            if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
                problems.append(f"{cw}: must be {{id, type, function: {{name, arguments}}}}")
                continue
            if not isinstance(call.get("id"), str) or not call["id"]:
                problems.append(f"{cw}.id: missing")
            if call.get("type") != "function":
                problems.append(f"{cw}.type: must be 'function'")
            fn = call["function"]
            if not isinstance(fn.get("name"), str) or not fn["name"]:
                problems.append(f"{cw}.function.name: missing")
            args = fn.get("arguments")
            if not isinstance(args, str):
                problems.append(f"{cw}.function.arguments: must be a JSON string")
                continue
            try:
                decoded = json.loads(args)
            except ValueError:
                problems.append(f"{cw}.function.arguments: not valid JSON")
                continue
            if not isinstance(decoded, dict):
                problems.append(f"{cw}.function.arguments: must encode an object")
    if role == "tool":
        for key in ("tool_call_id", "name"):
            if key in msg and not isinstance(msg[key], str):
                problems.append(f"{where}.{key}: must be a string")


def _check_tool(i: int, spec: Any, problems: list[str]) -> None:
    where = f"tools[{i}]"
    if not isinstance(spec, dict) or spec.get("type") != "function":
        problems.append(f"{where}: must be {{type: 'function', function: {{...}}}}")
        return
    fn = spec.get("function")
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
        problems.append(f"{where}.function.name: missing")
        return
    if not isinstance(fn.get("description", ""), str):
        problems.append(f"{where}.function.description: must be a string")
    params = fn.get("parameters")
    if not isinstance(params, dict) or params.get("type", "object") != "object":
        problems.append(f"{where}.function.parameters: must be an object JSON schema")


def validate_record(record: Any) -> list[str]:
    """Every way `record` departs from the canonical shape (empty list: valid)."""
    if not isinstance(record, dict):
        return ["record: not an object"]
    problems: list[str] = []
    missing = [k for k in RECORD_KEYS if k not in record]
    if missing:
        problems.append(f"record: missing keys {missing}")
    if not isinstance(record.get("id"), str) or not record.get("id"):
        problems.append("id: must be a non-empty string")
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        problems.append("messages: must be a non-empty list")
    else:
        for i, msg in enumerate(messages):
            _check_message(i, msg, problems)
        if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
            problems.append("messages: no assistant turn")
    tools = record.get("tools", [])
    if not isinstance(tools, list):
        problems.append("agent_rl.tools: must be a list")
    else:
        for i, spec in enumerate(tools):
            _check_tool(i, spec, problems)
    source = record.get("source")
    if source is not None and not (
        isinstance(source, dict) and {"file", "line", "format"} <= set(source)
    ):
        problems.append("source: must be {file, line, format}")
    if not isinstance(record.get("meta", {}), dict):
        problems.append("meta: must be an object")
    return problems


def check_record(record: Any, *, path: str | None = None, line: int | None = None) -> None:
    """Raise `DataError` naming the place and the first problems when `record` is not canonical."""
    problems = validate_record(record)
    if problems:
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        raise DataError("; ".join(problems[:3]) + more, path=path, line=line)
