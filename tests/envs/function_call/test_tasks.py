"""ToolWorld task files: the shipped set, the JSON Schema, and errors naming file/line/field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_rl.envs.function_call.tasks import load_tasks, shipped_tasks, task_schema
from jsonschema import Draft202012Validator

from agent_rl.errors import DataError


def test_shipped_tasks_are_many_valid_and_split() -> None:
    from agent_rl.envs.core.source import split_tasks

    tasks = shipped_tasks()
    assert len(tasks) >= 300
    suites = {t.metadata["suite"] for t in tasks}
    assert suites == {"files", "calendar", "bank", "shop"}
    assert sum(t.metadata["source"] == "handwritten" for t in tasks) >= 12
    assert sum(bool(t.metadata.get("user_turns")) for t in tasks) >= 50  # multi-turn ones
    train, test = split_tasks(tasks, "train"), split_tasks(tasks, "test")
    assert train and test and not {t.id for t in train} & {t.id for t in test}
    Draft202012Validator.check_schema(task_schema())


def _good() -> dict:
    return json.loads(
        Path(shipped_tasks.__code__.co_filename)
        .with_name("data")
        .joinpath("toolworld_handwritten.jsonl")
        .read_text()
        .splitlines()[0]
    )


@pytest.mark.parametrize(
    ("mutate", "key", "message"),
    [
        (lambda r: r.pop("prompt"), None, "'prompt' is a required property"),
        (lambda r: r.update(suite="zoo"), "suite", "'zoo' is not one of"),
        (
            lambda r: r["target"]["milestones"][0].update(after=["later"]),
            "target.milestones.0.after",
            "not listed before it",
        ),
        (
            lambda r: r["solution"][0]["steps"][0][0].update(name="rm_rf"),
            "solution.0.steps.0.0.name",
            "not a tool of suite 'files'",
        ),
        (lambda r: r.update(user_turns=["more"]), "solution", "one solution turn per user message"),
        (
            lambda r: r["target"].update(answer_contains=[3]),
            "target.answer_contains.0",
            "3 is not of type 'string'",
        ),
    ],
)
def test_bad_lines_name_file_line_and_field(tmp_path: Path, mutate, key, message) -> None:
    good, bad = _good(), _good()
    bad["id"] = "other"
    mutate(bad)
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
    with pytest.raises(DataError) as err:
        load_tasks(path)
    assert err.value.path == str(path) and err.value.line == 3 and err.value.key == key
    assert message in str(err.value)


def test_malformed_json_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(_good()) + "\n{oops\n")
    with pytest.raises(DataError, match=r"tasks.jsonl:2: invalid JSON"):
        load_tasks(path)
    path.write_text(json.dumps(_good()) + "\n" + json.dumps(_good()) + "\n")
    with pytest.raises(DataError, match=r"tasks.jsonl:2 \[id\]: duplicate id"):
        load_tasks(path)


def test_generator_is_deterministic_and_matches_the_shipped_file() -> None:
    from agent_rl.envs.function_call.generate import generate

    rows = generate(per_kind=2)
    assert rows == generate(per_kind=2)
    shipped = {t.id: t for t in shipped_tasks()}
    for row in rows:
        assert shipped[row["id"]].target.final_state == row["target"]["final_state"]
