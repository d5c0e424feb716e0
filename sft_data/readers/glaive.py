"""glaive-function-calling-v2: `{"system": "SYSTEM: ...", "chat": "USER: ... ASSISTANT: ..."}`.

The system string holds the preamble and zero or more JSON function definitions separated by
blank lines. The chat string interleaves `USER:`, `ASSISTANT:` and `FUNCTION RESPONSE:` blocks;
assistant turns end with `<|endoftext|>`; a call is `<functioncall> {"name": ..., "arguments":
'{...}'}` where the arguments are a single-quoted JSON string (not valid JSON as a whole).
Seen in the real rows: that string spans several lines (not a Python literal either), holds
an unescaped apostrophe (`"Regards, [User's Name]"`), or is a plain object, or is missing.
The single-quoted spellings are read by taking everything between the quotes as JSON.
"""

from __future__ import annotations

import re
from typing import Any

from agent_rl.sft_data.readers._common import (
    CallIds,
    RecordError,
    assistant,
    function_to_spec,
    json_values,
    loads_loose,
)

FORMAT = "glaive"

_TURN = re.compile(r"(?:^|\n)\s*(USER|ASSISTANT|FUNCTION RESPONSE):\s?")
_EOT = "<|endoftext|>"
_QUOTED_CALL = re.compile(r'^\{\s*"name"\s*:\s*"(?P<name>[^"]+)"\s*,\s*"arguments"\s*:\s*\'(?P<args>.*)\'\s*\}$', re.S)


def sniff(raw: dict[str, Any]) -> bool:
    chat = raw.get("chat")
    return isinstance(chat, str) and ("USER:" in chat or "ASSISTANT:" in chat)


def parse_system(system: str) -> tuple[str, list[dict[str, Any]]]:
    """`SYSTEM: preamble {json} {json}` -> (preamble, tool specs)."""
    text = system.strip()
    if text.startswith("SYSTEM:"):
        text = text[len("SYSTEM:") :].strip()
    first = text.find("{")
    if first < 0:
        return text, []
    preamble = text[:first].strip().rstrip("-").strip()
    specs = [function_to_spec(fn) for fn in json_values(text, first, "function definition")]
    return preamble, specs


def _call(text: str) -> dict[str, Any]:
    body = text.strip()
    if body.endswith(_EOT):
        body = body[: -len(_EOT)].strip()
    try:
        call = loads_loose(body)
    except ValueError as exc:
        quoted = _QUOTED_CALL.match(body)
        if quoted is None:
            raise RecordError("unparseable_call", f"{exc}; text={body[:80]!r}") from None
        return {"name": quoted["name"], "arguments": quoted["args"]}
    if not isinstance(call, dict) or not call.get("name"):
        raise RecordError("unparseable_call", f"call without a name: {body[:80]!r}")
    return call


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    system = raw.get("system") or ""
    chat = raw.get("chat")
    if not isinstance(chat, str) or not isinstance(system, str):
        raise RecordError("bad_record", "glaive record needs string 'system' and 'chat'")
    preamble, tools = parse_system(system)
    messages: list[dict[str, Any]] = []
    if preamble:
        messages.append({"role": "system", "content": preamble})
    ids = CallIds()
    parts = _TURN.split(chat)
    if parts[0].strip():
        raise RecordError("bad_chat", f"text before the first turn: {parts[0][:60]!r}")
    for role, text in zip(parts[1::2], parts[2::2], strict=False):
        text = text.strip()
        if role == "USER":
            ids.new_turn()
            messages.append({"role": "user", "content": text})
        elif role == "ASSISTANT":
            content, sep, call_text = text.partition("<functioncall>")
            content = content.replace(_EOT, "").strip()
            if sep:
                call = _call(call_text)
                messages.append(assistant(content, [ids.call(call["name"], call.get("arguments"))]))
            else:
                messages.append(assistant(content))
        else:
            messages.append(ids.result(text))
    return {"id": raw.get("id"), "messages": messages, "tools": tools}
