"""NousResearch hermes-function-calling-v1: ShareGPT turns with XML tags.

The system turn holds `<tools>[...]</tools>` (often a Python repr with single quotes) and the
Hermes call-format instructions; `gpt` turns hold one or more `<tool_call>{...}</tool_call>`
blocks (also Python-repr dicts) possibly after some text; `tool` turns hold one or more
`<tool_response>{"name": ..., "content": ...}</tool_response>` blocks. A system turn with
`<tools>` is all Hermes format instruction, so it is dropped (the V3.1 chat format writes its
own tool section); `meta.dropped_system` records that.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent_rl.sft_data.readers._common import (
    CallIds,
    RecordError,
    assistant,
    content_text,
    function_to_spec,
    json_values,
    loads_loose,
)
from agent_rl.sft_data.readers.sharegpt import ASSISTANT, RESULT, USER, turns

FORMAT = "hermes"

_TOOLS = re.compile(r"<tools>(.*?)</tools>", re.S)
_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)
_RESP = re.compile(r"<tool_response>(.*?)</tool_response>", re.S)
_TAGS = ("<tool_call>", "<tools>", "<tool_response>")
_EDGE = re.compile(r"^(?:\s|\\n)+|(?:\s|\\n)+$")  # whitespace and literal "\n" (seen in the data)


_ROLES = USER | ASSISTANT | RESULT | {"system"}


def sniff(raw: dict[str, Any]) -> bool:
    """Hermes: ShareGPT turns whose system/gpt/tool values carry the XML tags, and no roles
    Hermes does not have (LLaMA-Factory's `function_call`, whose tools sit in a `tools` key)."""
    conv = raw.get("conversations")
    if not isinstance(conv, list) or "tools" in raw:
        return False
    if not all(isinstance(t, dict) and str(t.get("from", "")).lower() in _ROLES for t in conv):
        return False
    return any(
        str(t.get("from", "")).lower() not in USER
        and isinstance(t.get("value"), str)
        and any(x in t["value"] for x in _TAGS)
        for t in conv
    )


def parse_tools_block(text: str) -> list[dict[str, Any]]:
    """Contents of `<tools>`: a JSON/Python list, or objects one after another."""
    body = text.strip()
    try:
        value = loads_loose(body)
    except ValueError:
        value = json_values(body, 0, "<tools> block")
    items = value if isinstance(value, list) else [value]
    return [function_to_spec(fn) for fn in items]


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    ids = CallIds()
    messages: list[dict[str, Any]] = []
    tools: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    for key in ("category", "subcategory", "task"):
        if isinstance(raw.get(key), str):
            meta[key] = raw[key]
    for i, t in enumerate(turns(raw)):
        role = str(t["from"]).lower()
        value = content_text(t.get("value"))
        if role == "system":
            blocks = _TOOLS.findall(value)
            if blocks:
                for block in blocks:
                    tools.extend(parse_tools_block(block))
                meta["dropped_system"] = "hermes tool instructions"
            else:
                messages.append({"role": "system", "content": value})
        elif role in USER:
            ids.new_turn()
            messages.append({"role": "user", "content": value})
        elif role in ASSISTANT:
            blocks = _CALL.findall(value)
            if not blocks:
                if "<tool_call>" in value:
                    raise RecordError("unparseable_call", f"conversations[{i}]: unclosed <tool_call>")
                messages.append(assistant(value.strip()))
                continue
            calls = []
            for block in blocks:
                try:
                    call = loads_loose(_EDGE.sub("", block))
                except ValueError as exc:
                    raise RecordError("unparseable_call", f"conversations[{i}]: {exc}") from None
                if not isinstance(call, dict) or not call.get("name"):
                    raise RecordError("unparseable_call", f"conversations[{i}]: call without a name")
                calls.append(ids.call(call["name"], call.get("arguments")))
            text = _CALL.sub("", value).strip()
            messages.append(assistant(text, calls))
        elif role in RESULT:
            blocks = _RESP.findall(value) or [value]
            for block in blocks:
                body = block.strip()
                name = None
                try:
                    parsed = loads_loose(body)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict) and "name" in parsed and "content" in parsed:
                    name = str(parsed["name"])
                    inner = parsed["content"]
                    body = inner if isinstance(inner, str) else json.dumps(inner, ensure_ascii=False)
                messages.append(ids.result(body, name=name))
        else:
            raise RecordError("bad_role", f"conversations[{i}].from={t['from']!r}")
    return {"id": raw.get("id"), "messages": messages, "tools": tools, "meta": meta}
