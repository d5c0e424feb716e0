from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from agent_rl.envs.math import MathEnv
from agent_rl.envs.math.sources import SAMPLE_TASKS, load_tasks

from agent_rl.errors import DataError

GSM = {"question": "Ann has 3 apples and buys 4. How many?", "answer": "3 + 4 = 7\n#### 7"}
MATH = {
    "problem": "Compute $\\frac{1}{2}+\\frac{1}{4}$.",
    "solution": "It is $\\boxed{\\frac{3}{4}}$.",
    "level": "Level 1",
}
NATIVE = {"id": "n1", "prompt": "2+2?", "answer": "4", "metadata": {"source": "me"}}


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_sample_file_mixes_layouts_and_validates(verifier) -> None:
    tasks = load_tasks()
    assert len(tasks) >= 30
    layouts = {t.metadata.get("layout") for t in tasks}
    assert {"gsm8k", "math"} <= layouts
    assert len({t.id for t in tasks}) == len(tasks)
    report = MathEnv(verifier=verifier).validate()
    assert report.ok, report.summary()
    assert SAMPLE_TASKS.exists()


def test_jsonl_layouts(tmp_path: Path) -> None:
    tasks = load_tasks(_jsonl(tmp_path / "mix.jsonl", [GSM, "", MATH, NATIVE]))
    gsm, math, native = tasks
    assert (gsm.id, gsm.answer, gsm.metadata["layout"]) == ("mix-1", "7", "gsm8k")
    assert "#### 7" in gsm.metadata["solution"]
    assert (math.id, math.answer, math.metadata["level"]) == ("mix-3", "\\frac{3}{4}", "Level 1")
    assert native.id == "n1" and native.metadata == {"source": "me"}
    assert load_tasks(tmp_path / "mix.jsonl", n=2) == tasks[:2]


def test_extra_fields_are_kept_in_metadata(tmp_path: Path) -> None:
    (task,) = load_tasks(_jsonl(tmp_path / "x.jsonl", [{**NATIVE, "difficulty": 3}]))
    assert task.metadata == {"source": "me", "difficulty": 3}


def test_math_answer_field_wins(tmp_path: Path) -> None:
    row = {**MATH, "answer": "0.75", "unique_id": "u/1"}
    (task,) = load_tasks(_jsonl(tmp_path / "m.jsonl", [row]))
    assert task.answer == "0.75" and task.id == "u/1"


def test_parquet_and_json(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist([GSM, {**GSM, "answer": "x\n#### 9"}]), path)
    assert [t.answer for t in load_tasks(path)] == ["7", "9"]
    (tmp_path / "t.json").write_text(json.dumps([MATH]))
    assert load_tasks(tmp_path / "t.json")[0].answer == "\\frac{3}{4}"


def test_reasoning_gym_generator_is_deterministic() -> None:
    a = load_tasks("reasoning_gym:basic_arithmetic", n=5, seed=3)
    assert a == load_tasks("reasoning_gym:basic_arithmetic", n=5, seed=3)
    assert a != load_tasks("reasoning_gym:basic_arithmetic", n=5, seed=4)
    assert len(a) == 5 and a[0].id == "basic_arithmetic-3-0"
    env = MathEnv("reasoning_gym:basic_arithmetic", n_tasks=4, seed=3)
    assert env.validate().ok


@pytest.mark.parametrize(
    ("rows", "line", "key", "message"),
    [
        ([GSM, "{not json"], 2, None, "invalid JSON"),
        ([GSM, {"question": "q", "answer": "no marker"}], 2, "answer", "####"),
        ([{"problem": "p", "solution": "no box"}], 1, "solution", "boxed"),
        ([GSM, GSM, {"foo": 1}], 3, "prompt", "unknown record layout"),
        ([{"question": "", "answer": "#### 1"}], 1, "question", "non-empty"),
        ([NATIVE, NATIVE], 2, "id", "duplicate"),
        ([{"id": "a", "prompt": "p", "answer": "1", "metadata": [1]}], 1, "metadata", "mapping"),
        (["[1, 2]"], 1, None, "must be an object"),
    ],
)
def test_bad_files_name_file_line_and_key(
    tmp_path: Path, rows: list, line: int, key: str | None, message: str
) -> None:
    path = _jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError, match=message) as caught:
        load_tasks(path)
    error = caught.value
    assert error.path == str(path) and error.line == line and error.key == key
    assert f"{path}:{line}" in str(error)


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_tasks(tmp_path / "nope.jsonl")
    (tmp_path / "t.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="unsupported"):
        load_tasks(tmp_path / "t.csv")
    with pytest.raises(DataError, match="reasoning-gym"):
        load_tasks("reasoning_gym:no_such_dataset")


def test_duplicate_id_names_the_real_line_past_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([json.dumps(NATIVE), "", "", json.dumps(GSM), json.dumps(NATIVE)]))
    with pytest.raises(DataError, match="first at line 1") as caught:
        load_tasks(path)
    assert caught.value.line == 5 and caught.value.key == "id"
