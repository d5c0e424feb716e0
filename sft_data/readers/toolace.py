"""Team-ACE ToolACE: `{"system": "...", "conversations": [{"from", "value"}]}`.

The system prompt embeds the tool list as JSON after "...that you can invoke:" and instructs
the bracketed call syntax `[func(a=1, b="x"), other(c=[1,2])]`; assistant turns written in
that syntax become tool calls (parsed with `ast`, never evaluated); a `tool` turn is a JSON list
of `{"name", "results"}` (several results in one turn become one tool message per call). The
system prompt is all format instruction and is dropped (`meta.dropped_system`).
"""

from __future__ import annotations

import json
from typing import Any

from agent_rl.sft_data.readers._common import (
    CallIds,
    RecordError,
    assistant,
    content_text,
    function_to_spec,
    loads_loose,
)
from agent_rl.sft_data.readers._pycalls import looks_like_calls, parse_bracket_calls
from agent_rl.sft_data.readers.sharegpt import ASSISTANT, RESULT, USER, turns

FORMAT = "toolace"

_MARKERS = ("func1(params_name=", "list of functions in JSON format", "You are an expert in composing functions")


def sniff(raw: dict[str, Any]) -> bool:
    system = raw.get("system")
    return isinstance(system, str) and isinstance(raw.get("conversations"), list) and any(
        m in system for m in _MARKERS
    )


def parse_system_tools(system: str) -> list[dict[str, Any]]:
    """The first JSON list in the system prompt after 'invoke:' (or anywhere)."""
    anchor = system.find("invoke:")
    start = system.find("[", anchor if anchor >= 0 else 0)
    if start < 0:
        return []
    try:
        value, _ = json.JSONDecoder().raw_decode(system, start)
    except json.JSONDecodeError as exc:
        raise RecordError("bad_tools", f"tool list in system prompt: {exc.msg}") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise RecordError("bad_tools", "tool list in system prompt is not a list")
    return [function_to_spec(fn) for fn in value]


def _results(value: str, pending: int) -> list[tuple[str, str | None]]:
    """A tool turn -> [(content, name)]: one entry per result when it is a list of results."""
    try:
        parsed = loads_loose(value)
    except ValueError:
        return [(value, None)]
    if isinstance(parsed, list) and parsed and all(isinstance(p, dict) for p in parsed) and (
        len(parsed) == pending or all("name" in p for p in parsed)
    ):
        out = []
        for p in parsed:
            name = p.get("name")
            body = p.get("results", p.get("content", p))
            out.append((body if isinstance(body, str) else json.dumps(body, ensure_ascii=False),
                        str(name) if name is not None else None))
        return out
    return [(value, None)]


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    system = raw.get("system") or ""
    tools = parse_system_tools(system) if isinstance(system, str) else []
    ids = CallIds()
    messages: list[dict[str, Any]] = []
    for i, t in enumerate(turns(raw)):
        role = str(t["from"]).lower()
        value = content_text(t.get("value"))
        if role in USER:
            ids.new_turn()
            messages.append({"role": "user", "content": value})
        elif role in ASSISTANT:
            if looks_like_calls(value):
                try:
                    parsed = parse_bracket_calls(value)
                except ValueError as exc:
                    raise RecordError("unparseable_call", f"conversations[{i}]: {exc}") from None
                messages.append(assistant("", [ids.call(n, a) for n, a in parsed]))
            else:
                messages.append(assistant(value))
        elif role in RESULT:
            for body, name in _results(value, len(ids.pending)):
                messages.append(ids.result(body, name=name))
        elif role == "system":
            messages.append({"role": "system", "content": value})
        else:
            raise RecordError("bad_role", f"conversations[{i}].from={t['from']!r}")
    meta = {"dropped_system": "toolace tool instructions"} if system else {}
    return {"id": raw.get("id"), "messages": messages, "tools": tools, "meta": meta}
