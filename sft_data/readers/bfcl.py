"""Berkeley Function Calling Leaderboard (BFCL) question files, with their possible answers.

A question record is `{"id", "question": [[messages of turn 1], ...], "function": [defs]}`
(JSONL, even when named `.json`); function parameters use `"type": "dict"` and Python type
names. Answers live in `possible_answer/<same file name>` next to it (or inline as
`ground_truth`): `[{"fname": {"arg": [acceptable values...]}}]`. The first acceptable value of
each argument becomes the target; an argument whose first value is `""` is optional and left
out. Multi-turn categories (several turns, simulated APIs) and records without answers have no
single-turn target and are rejected with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sft_data.io import BadJSON, iter_raw
from sft_data.readers._common import CallIds, RecordError, assistant, content_text, function_to_spec

FORMAT = "bfcl"


def sniff(raw: dict[str, Any]) -> bool:
    return "question" in raw and ("function" in raw or "involved_classes" in raw)


def open_file(path: Path) -> dict[str, Any]:
    """Per-file state: answers keyed by id from the sibling `possible_answer/` file, if any."""
    answers: dict[str, Any] = {}
    answer_path = path.parent / "possible_answer" / path.name
    if answer_path.exists():
        for _, rec in iter_raw(answer_path):
            if isinstance(rec, dict) and not isinstance(rec, BadJSON) and "id" in rec:
                answers[str(rec["id"])] = rec.get("ground_truth")
    return {"answers": answers}


def answer_to_calls(ground_truth: Any) -> list[tuple[str, dict[str, Any]]]:
    """BFCL ground truth -> [(name, arguments)] using the first acceptable value of each arg."""
    if not isinstance(ground_truth, list) or not ground_truth:
        raise RecordError("no_answer", "ground truth is empty")
    calls = []
    for item in ground_truth:
        if not isinstance(item, dict) or len(item) != 1:
            raise RecordError("bad_answer", f"ground truth entry {json.dumps(item)[:80]}")
        (name, params), = item.items()
        if not isinstance(params, dict):
            raise RecordError("bad_answer", f"{name}: parameters are not an object")
        args = {}
        for arg, options in params.items():
            value = options[0] if isinstance(options, list) and options else options
            if value == "" or value is None:
                continue
            args[arg] = value
        calls.append((name, args))
    return calls


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    question = raw.get("question")
    if not isinstance(question, list) or not question:
        raise RecordError("bad_record", "question must be a non-empty list")
    if isinstance(question[0], dict):  # older single-turn spelling: a flat message list
        question = [question]
    if len(question) > 1:
        raise RecordError("bfcl_multi_turn", f"{len(question)} turns with simulated APIs")
    rid = str(raw.get("id", ""))
    state = getattr(ctx, "state", None) or {}
    ground_truth = raw.get("ground_truth", state.get("answers", {}).get(rid))
    if ground_truth is None:
        raise RecordError("no_answer", f"no possible answer for {rid!r}")
    functions = raw.get("function") or []
    if isinstance(functions, dict):
        functions = [functions]
    tools = [function_to_spec(fn) for fn in functions]
    messages: list[dict[str, Any]] = []
    for m in question[0]:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user"):
            raise RecordError("bad_message", f"question message {json.dumps(m)[:80]}")
        messages.append({"role": m["role"], "content": content_text(m.get("content"))})
    ids = CallIds()
    calls = [ids.call(name, args) for name, args in answer_to_calls(ground_truth)]
    messages.append(assistant("", calls))
    return {"id": rid or None, "messages": messages, "tools": tools, "meta": {"bfcl_id": rid}}
