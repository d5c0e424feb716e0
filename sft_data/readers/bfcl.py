"""Berkeley Function Calling Leaderboard (BFCL) question files, with their possible answers.

A question record is `{"id", "question": [[messages of turn 1], ...], "function": [defs]}`
(JSONL, even when named `.json`); function parameters use `"type": "dict"` and Python type
names. Answers live in `possible_answer/<same file name>` next to it (or inline as
`ground_truth`): `[{"fname": {"arg": [acceptable values...]}}]`. The first acceptable value of
each argument becomes the target; an argument whose first value is `""` is optional and left
out. A dict value (or each dict of a list of dicts) holds acceptable values per key again, as
BFCL's `dict_checker` reads it, so the choice recurses.

Java and JavaScript categories (`simple_java_*`, `simple_javascript_*`) are shown to models the
way BFCL's own `_func_doc_language_specific_pre_processing` shows them: each scalar parameter
becomes a string "in Java/JavaScript representation" (hint appended to its description), so
scalar answers are written as strings (`true`, `3`, `0.5`); arrays and dicts stay structured.

Rejected with a reason: categories that need BFCL's simulated APIs (`involved_classes`:
multi-turn, memory, web search), irrelevance records (the right answer is no call, and BFCL
ships no answer text), and records without an answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_rl.sft_data.io import BadJSON, iter_raw
from agent_rl.sft_data.readers._common import (
    CallIds,
    RecordError,
    assistant,
    content_text,
    function_to_spec,
)

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


def _first_choice(value: Any) -> Any:
    """A chosen value; dicts (and lists of dicts) of acceptable-value lists recurse."""
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        return {k: _first_choice(opts[0]) for k, opts in value.items() if opts and opts[0] not in ("", None)}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [_first_choice(v) for v in value]
    return value


def _language(rid: str) -> str | None:
    """Java or JavaScript for those categories (BFCL: the id without its number)."""
    category = rid.rsplit("_", 1)[0]
    if category.endswith("javascript"):
        return "JavaScript"
    if category.endswith("java"):
        return "Java"
    return None


def _lang_literal(value: Any) -> Any:
    """A scalar answer in the language's own spelling (BFCL compares after converting back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    return value


def _lang_functions(functions: list[Any], lang: str) -> list[Any]:
    """BFCL's Java/JavaScript function-doc preprocessing, keeping arrays and dicts structured."""
    out = []
    for fn in functions:
        if not isinstance(fn, dict) or not isinstance(fn.get("parameters"), dict):
            out.append(fn)
            continue
        props = fn["parameters"].get("properties") or {}
        new_props = {}
        for key, spec in props.items():
            spec = dict(spec) if isinstance(spec, dict) else {}
            typ = str(spec.get("type", "any"))
            desc = str(spec.get("description", ""))
            if typ.lower() in ("any",):
                desc += f" This parameter can be of any type of {lang} object in string representation."
                spec["type"] = "string"
            elif typ.lower() not in ("array", "arraylist", "dict", "hashmap", "map", "object", "list"):
                desc += f" This is {lang} {typ} type parameter in string representation."
                spec["type"] = "string"
            spec["description"] = desc.strip()
            new_props[key] = spec
        note = f" Note that the provided function is in {'Java 8 SDK' if lang == 'Java' else lang} syntax."
        out.append({**fn, "description": str(fn.get("description", "")) + note,
                    "parameters": {**fn["parameters"], "properties": new_props}})
    return out


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
            args[arg] = _first_choice(value)
        calls.append((name, args))
    return calls


def convert(raw: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    question = raw.get("question")
    if not isinstance(question, list) or not question:
        raise RecordError("bad_record", "question must be a non-empty list")
    if isinstance(question[0], dict):  # older single-turn spelling: a flat message list
        question = [question]
    rid = str(raw.get("id", ""))
    if raw.get("involved_classes") is not None and not raw.get("function"):
        raise RecordError(
            "bfcl_simulated_apis",
            f"{len(question)} turn(s) over BFCL's simulated APIs {raw['involved_classes']}: no single-call target",
        )
    if len(question) > 1:
        raise RecordError("bfcl_multi_turn", f"{len(question)} turns with simulated APIs")
    if "irrelevance" in rid:
        raise RecordError("bfcl_irrelevance", "the right answer is no call, and BFCL ships no answer text")
    state = getattr(ctx, "state", None) or {}
    ground_truth = raw.get("ground_truth", state.get("answers", {}).get(rid))
    if ground_truth is None:
        raise RecordError("no_answer", f"no possible answer for {rid!r}")
    functions = raw.get("function") or []
    if isinstance(functions, dict):
        functions = [functions]
    lang = _language(rid)
    if lang is not None:
        functions = _lang_functions(functions, lang)
    tools = [function_to_spec(fn) for fn in functions]
    messages: list[dict[str, Any]] = []
    for m in question[0]:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user"):
            raise RecordError("bad_message", f"question message {json.dumps(m)[:80]}")
        messages.append({"role": m["role"], "content": content_text(m.get("content"))})
    ids = CallIds()
    answer = answer_to_calls(ground_truth)
    if lang is not None:
        answer = [(name, {k: _lang_literal(v) for k, v in args.items()}) for name, args in answer]
    calls = [ids.call(name, args) for name, args in answer]
    messages.append(assistant("", calls))
    return {"id": rid or None, "messages": messages, "tools": tools, "meta": {"bfcl_id": rid}}
