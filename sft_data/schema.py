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
is not a training target (the chat format's `encode` clears its loss mask).

Messages follow `agent_rl.messages` (one contract for envs, data and the chat format) with its
training rules: `arguments` is a JSON string that decodes to an object and tool-call ids are
present. Readers write `content` as a string (an assistant's `None` is read as ""); at least
one assistant message exists; tools are OpenAI function specs whose `parameters` is an object
schema.
"""

from __future__ import annotations

from typing import Any

from agent_rl.errors import DataError
from agent_rl.messages import ROLES, message_problems, normalize_message, tool_call, tool_spec

__all__ = [
    "RECORD_KEYS",
    "ROLES",
    "check_record",
    "make_record",
    "normalize_record",
    "tool_call",
    "tool_spec",
    "validate_record",
]
RECORD_KEYS = ("id", "messages", "tools", "source", "meta")


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


def normalize_record(record: Any) -> Any:
    """The record with each message's `content: None` as "" and empty `tool_calls` dropped,
    so curation passes always see text (in place; anything not a record is returned as is)."""
    if isinstance(record, dict) and isinstance(record.get("messages"), list):
        record["messages"] = [
            normalize_message(m) if isinstance(m, dict) else m for m in record["messages"]
        ]
    return record


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
            problems += message_problems(msg, i, training=True)
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
