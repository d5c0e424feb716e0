"""OpenAI chat format: `{"messages": [...], "tools": [...]}` (also the canonical format itself).

Quirks handled: `arguments` as an object or a (doubly) encoded string; missing call ids (by
position); the function-call era (`functions`, assistant `function_call`, role `function`);
content as a list of text parts; `<think>` blocks or `reasoning_content` on assistant turns;
several tool results packed into one tool message as a JSON list when several calls are pending;
an assistant message without `content` (OpenAI's fine-tuning examples); the fine-tuning
`weight` (0 or 1) on assistant messages, kept so `weight: 0` turns stay out of the loss.
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

FORMAT = "openai"


def sniff(raw: dict[str, Any]) -> bool:
    msgs = raw.get("messages")
    return (
        isinstance(msgs, list)
        and bool(msgs)
        and isinstance(msgs[0], dict)
        and "role" in msgs[0]
        and ("content" in msgs[0] or "tool_calls" in msgs[0])
    )


def _split_results(content: str, n: int) -> list[str] | None:
    """A tool message carrying a JSON list of exactly `n` results for `n` pending calls."""
    if n < 2 or not content.lstrip().startswith("["):
        return None
    try:
        items = loads_loose(content)
    except ValueError:
        return None
    if not isinstance(items, list) or len(items) != n:
        return None
    return [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]


def convert_messages(raw_messages: Any) -> list[dict[str, Any]]:
    """OpenAI-style messages in any public spelling -> canonical messages."""
    if not isinstance(raw_messages, list) or not raw_messages:
        raise RecordError("no_messages", "messages missing or empty")
    ids = CallIds()
    out: list[dict[str, Any]] = []
    for i, m in enumerate(raw_messages):
        if not isinstance(m, dict):
            raise RecordError("bad_message", f"messages[{i}] is not an object")
        role = m.get("role")
        content = content_text(m.get("content"))
        if role in ("system", "developer"):
            out.append({"role": "system", "content": content})
        elif role == "user":
            ids.new_turn()
            out.append({"role": "user", "content": content})
        elif role == "assistant":
            calls = []
            raw_calls = m.get("tool_calls") or []
            if m.get("function_call"):
                raw_calls = [{"function": m["function_call"]}]
            if not isinstance(raw_calls, list):
                raise RecordError("bad_tool_calls", f"messages[{i}].tool_calls is not a list")
            for c in raw_calls:
                fn = c.get("function", c) if isinstance(c, dict) else None
                if not isinstance(fn, dict) or not fn.get("name"):
                    raise RecordError("bad_tool_calls", f"messages[{i}]: call without a name")
                calls.append(ids.call(fn["name"], fn.get("arguments"), c.get("id")))
            msg = assistant(content, calls)
            reasoning = m.get("reasoning_content") or m.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                msg["reasoning_content"] = reasoning
            if "weight" in m:  # OpenAI fine-tuning: weight 0 = context only, never a target
                if m["weight"] not in (0, 1) or isinstance(m["weight"], bool):
                    raise RecordError("bad_weight", f"messages[{i}].weight={m['weight']!r}; allowed: 0, 1")
                msg["weight"] = int(m["weight"])
            out.append(msg)
        elif role in ("tool", "function"):
            parts = _split_results(content, len(ids.pending)) if not m.get("tool_call_id") else None
            for part in parts or [content]:
                out.append(ids.result(part, m.get("tool_call_id"), m.get("name")))
        else:
            raise RecordError("bad_role", f"messages[{i}].role={role!r}")
    return out


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    messages = convert_messages(raw.get("messages"))
    tools_raw = raw.get("tools")
    if tools_raw is None and raw.get("functions") is not None:
        tools_raw = raw["functions"]
    meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
    return {"id": raw.get("id"), "messages": messages, "tools": parse_tools(tools_raw), "meta": dict(meta)}
