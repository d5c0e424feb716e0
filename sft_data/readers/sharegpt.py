"""ShareGPT / LLaMA-Factory: `{"conversations": [{"from", "value"}], "system", "tools"}`.

Roles: human/user, gpt/assistant, system, function_call (a JSON call or a list of calls: the
LLaMA-Factory parallel form), observation/tool (a result; a JSON list of results when several
calls are pending). `tools` is usually a JSON string. A `function_call` turn directly after a
`gpt` turn is merged into it (content + calls in one assistant message).
"""

from __future__ import annotations

import json
from typing import Any

from agent_rl.sft_data.readers._common import (
    CallIds,
    RecordError,
    assistant,
    content_text,
    loads_loose,
    parse_tools,
)

FORMAT = "sharegpt"

USER = {"human", "user"}
ASSISTANT = {"gpt", "assistant", "model", "chatgpt", "bing", "bard"}
CALL = {"function_call", "tool_call"}
RESULT = {"observation", "tool", "function", "tool_response", "ipython"}


def sniff(raw: dict[str, Any]) -> bool:
    conv = raw.get("conversations") or raw.get("conversation")
    return (
        isinstance(conv, list)
        and bool(conv)
        and isinstance(conv[0], dict)
        and "from" in conv[0]
        and "value" in conv[0]
    )


def turns(raw: dict[str, Any]) -> list[dict[str, Any]]:
    conv = raw.get("conversations", raw.get("conversation"))
    if not isinstance(conv, list) or not conv:
        raise RecordError("no_messages", "conversations missing or empty")
    for i, t in enumerate(conv):
        if not isinstance(t, dict) or "from" not in t:
            raise RecordError("bad_message", f"conversations[{i}] has no 'from'")
    return conv


def parse_calls(value: Any) -> list[dict[str, Any]]:
    """A function_call turn's value -> list of {name, arguments}."""
    if isinstance(value, str):
        try:
            value = loads_loose(value)
        except ValueError as exc:
            raise RecordError("unparseable_call", str(exc)) from None
    items = value if isinstance(value, list) else [value]
    calls = []
    for item in items:
        if not isinstance(item, dict):
            raise RecordError("unparseable_call", f"call is {type(item).__name__}")
        if isinstance(item.get("function"), dict):
            item = item["function"]
        if not item.get("name"):
            raise RecordError("unparseable_call", "call without a name")
        calls.append(item)
    return calls


def split_results(value: str, pending: int) -> list[str]:
    """One observation holding a JSON list of `pending` results -> one string per result."""
    if pending > 1 and value.lstrip().startswith("["):
        try:
            items = loads_loose(value)
        except ValueError:
            return [value]
        if isinstance(items, list) and len(items) == pending:
            return [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]
    return [value]


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    ids = CallIds()
    messages: list[dict[str, Any]] = []
    system = raw.get("system")
    if isinstance(system, str) and system:
        messages.append({"role": "system", "content": system})
    for i, t in enumerate(turns(raw)):
        role = str(t["from"]).lower()
        value = t.get("value")
        if role == "system":
            messages.append({"role": "system", "content": content_text(value)})
        elif role in USER:
            ids.new_turn()
            messages.append({"role": "user", "content": content_text(value)})
        elif role in ASSISTANT:
            messages.append(assistant(content_text(value)))
        elif role in CALL:
            calls = [ids.call(c["name"], c.get("arguments"), c.get("id")) for c in parse_calls(value)]
            prev = messages[-1] if messages else None
            if prev and prev["role"] == "assistant" and "tool_calls" not in prev:
                prev["tool_calls"] = calls
            else:
                messages.append(assistant("", calls))
        elif role in RESULT:
            text = content_text(value)
            for part in split_results(text, len(ids.pending)):
                messages.append(ids.result(part))
        else:
            raise RecordError("bad_role", f"conversations[{i}].from={t['from']!r}")
    return {"id": raw.get("id"), "messages": messages, "tools": parse_tools(raw.get("tools"))}
