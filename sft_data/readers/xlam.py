"""Salesforce xlam-function-calling-60k: `{"id", "query", "tools": "<json>", "answers": "<json>"}`.

`tools` is a JSON string of `{name, description, parameters: {arg: {type, description,
default}}}` where `type` is a Python-ish spelling (`str`, `List[int]`, `str, optional`);
`answers` is a JSON string of `{name, arguments}` (parallel calls are several entries). The
sample is one user turn and one assistant tool-call turn (the dataset has no tool results).
"""

from __future__ import annotations

import json
from typing import Any

from agent_rl.sft_data.readers._common import (
    CallIds,
    RecordError,
    assistant,
    loads_loose,
    normalize_schema,
)
from agent_rl.sft_data.schema import tool_spec

FORMAT = "xlam"


def sniff(raw: dict[str, Any]) -> bool:
    return "query" in raw and "answers" in raw and "tools" in raw


def _load(value: Any, key: str) -> Any:
    if isinstance(value, str):
        try:
            return loads_loose(value)
        except ValueError as exc:
            raise RecordError(f"bad_{key}", str(exc)) from None
    return value


def xlam_tool(fn: dict[str, Any]) -> dict[str, Any]:
    """xlam flat parameter map -> OpenAI tool spec with an object JSON schema."""
    if not isinstance(fn, dict) or not fn.get("name"):
        raise RecordError("bad_tool_spec", "tool without a name")
    params = fn.get("parameters") or {}
    if not isinstance(params, dict):
        raise RecordError("bad_tool_spec", f"tool {fn['name']!r}: parameters not an object")
    if params.get("type") == "object" or "properties" in params:
        schema = normalize_schema(params)
    else:
        props: dict[str, Any] = {}
        required = []
        for pname, p in params.items():
            p = dict(p) if isinstance(p, dict) else {"description": str(p)}
            type_text = str(p.get("type", ""))
            if type_text and "optional" not in type_text.lower():
                required.append(pname)
            if p.get("default", "") in ("", None):
                p.pop("default", None)
            props[pname] = normalize_schema(p)
        schema = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
    return tool_spec(fn["name"], str(fn.get("description") or ""), schema)


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    query = raw.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RecordError("empty_query", "query missing or empty")
    tools_raw = _load(raw.get("tools"), "tools") or []
    answers = _load(raw.get("answers"), "answers") or []
    if not isinstance(tools_raw, list) or not isinstance(answers, list):
        raise RecordError("bad_record", "tools and answers must be JSON lists")
    if not answers:
        raise RecordError("no_answer", "answers is empty")
    ids = CallIds()
    calls = []
    for a in answers:
        if not isinstance(a, dict) or not a.get("name"):
            raise RecordError("unparseable_call", f"answer {json.dumps(a)[:80]}")
        calls.append(ids.call(a["name"], a.get("arguments")))
    messages = [{"role": "user", "content": query}, assistant("", calls)]
    rid = raw.get("id")
    return {
        "id": None if rid is None else f"xlam-{rid}",
        "messages": messages,
        "tools": [xlam_tool(fn) for fn in tools_raw],
    }
