"""ToolWorld task files: JSONL, one task a line, checked against the shipped JSON Schema.

The schema is `data/toolworld_task.schema.json` (in the package). Beyond the schema, a line
must name a known suite, list milestones after the ones they depend on, use only the suite's
tools in its solution, and have one solution turn per user message. Every problem is a
`DataError` naming the file, the line and the field.

Shipped: `data/toolworld.jsonl` (seeded generators, `generate.py`) and
`data/toolworld_handwritten.jsonl`.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from agent_rl.envs.core.task import Task
from agent_rl.envs.function_call.services import SUITES
from agent_rl.envs.function_call.targets import WorldTarget
from jsonschema import Draft202012Validator

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl

DATA = resources.files("agent_rl.envs.function_call") / "data"
SHIPPED = ("toolworld.jsonl", "toolworld_handwritten.jsonl")


def task_schema() -> dict[str, Any]:
    """The JSON Schema of one task line."""
    return json.loads((DATA / "toolworld_task.schema.json").read_text(encoding="utf-8"))


_VALIDATOR: Draft202012Validator | None = None


def _validator() -> Draft202012Validator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = Draft202012Validator(task_schema())
    return _VALIDATOR


def check_record(raw: Any, *, path: str | None = None, line: int | None = None) -> None:
    """Raise DataError (file, line, field) when a task line is not a valid ToolWorld task."""
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        key = ".".join(str(p) for p in first.path) or None
        raise DataError(first.message, path=path, line=line, key=key)
    suite = SUITES[raw["suite"]]
    tools = set(suite.tool_names)
    seen: set[str] = set()
    for i, m in enumerate(raw["target"].get("milestones") or []):
        for dep in m.get("after") or []:
            if dep not in seen:
                raise DataError(
                    f"milestone {m['id']!r} is after {dep!r}, which is not listed before it",
                    path=path,
                    line=line,
                    key=f"target.milestones.{i}.after",
                )
        seen.add(m["id"])
    if len(raw["solution"]) != 1 + len(raw.get("user_turns") or []):
        raise DataError(
            "one solution turn per user message (prompt + user_turns)",
            path=path,
            line=line,
            key="solution",
        )
    for t, turn in enumerate(raw["solution"]):
        for s, step in enumerate(turn["steps"]):
            for c, call in enumerate(step):
                if call["name"] not in tools:
                    raise DataError(
                        f"{call['name']!r} is not a tool of suite {raw['suite']!r}",
                        path=path,
                        line=line,
                        key=f"solution.{t}.steps.{s}.{c}.name",
                    )


def to_task(raw: dict[str, Any]) -> Task:
    target = raw["target"]
    return Task(
        id=raw["id"],
        prompt=raw["prompt"],
        target=WorldTarget(
            final_state=target["final_state"],
            milestones=tuple(target.get("milestones") or ()),
            minefields=tuple(target.get("minefields") or ()),
            answer_contains=tuple(target.get("answer_contains") or ()),
        ),
        metadata={
            k: raw[k]
            for k in (
                "suite",
                "initial_state",
                "user_turns",
                "solution",
                "persona",
                "goal",
                "source",
            )
            if k in raw
        },
    )


def load_tasks(path: str | Path) -> list[Task]:
    """Tasks of one JSONL file; the first bad line raises DataError with file, line, field."""
    tasks, ids = [], set()
    for line, raw in iter_jsonl(path):
        check_record(raw, path=str(path), line=line)
        if raw["id"] in ids:
            raise DataError(f"duplicate id {raw['id']!r}", path=str(path), line=line, key="id")
        ids.add(raw["id"])
        tasks.append(to_task(raw))
    return tasks


def shipped_tasks() -> list[Task]:
    """Every shipped task (generated and hand-written)."""
    out: list[Task] = []
    for name in SHIPPED:
        with resources.as_file(DATA / name) as p:
            out.extend(load_tasks(p))
    return out
