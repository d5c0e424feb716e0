"""`agent-rl eval bfcl`: the oracle through the real rollout path, and predictions grading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent_rl.cli.main import app

pytest.importorskip("bfcl_eval", reason="bfcl-eval is installed by scripts/setup.sh")


def test_oracle_full_marks_on_passable_entries(tmp_path: Path) -> None:
    out = tmp_path / "bfcl"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "bfcl",
            "--categories",
            "simple,parallel_multiple,irrelevance,live_relevance,multi_turn_miss_func,memory_kv,"
            "web_search_base",
            "--limit",
            "30",
            "--out-dir",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    cats = report["categories"]
    for name in (
        "simple_python",
        "irrelevance",
        "live_relevance",
        "multi_turn_miss_func",
        "memory_kv",
    ):
        assert cats[name]["accuracy"] == 1.0, (name, cats[name])
    # parallel_multiple_26 is known-bad ground truth: listed, and the only failure
    pm = cats["parallel_multiple"]
    assert pm["known_bad"] == ["parallel_multiple_26"] and pm["correct"] == 29
    assert pm["passable_accuracy"] == 1.0
    assert cats["web_search_base"]["status"] == "not_run"
    assert "network" in cats["web_search_base"]["reason"]
    assert report["summary"]["overall"]["partial"] is True
    verdicts = [json.loads(x) for x in (out / "verdicts.jsonl").read_text().splitlines()]
    assert cats["memory_kv"]["graded"] == 135  # at most 30 per scenario: 30+25+25+30+25
    assert len(verdicts) == 30 * 4 + 16 + 135
    assert set(verdicts[0]) == {"id", "valid", "error_type"}
    md = (out / "report.md").read_text()
    assert "N/A" in md and "parallel_multiple_26" in md
    assert (out / "accuracy.png").stat().st_size > 1000


def test_predictions_graded_and_bad_lines_reported(tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    lines = [
        {
            "id": "simple_python_0",
            "result": [{"calculate_triangle_area": {"base": 10, "height": 5, "unit": "units"}}],
        },
        {"id": "simple_python_1", "result": [{"math.factorial": {"number": 6}}]},  # wrong value
        {"id": "irrelevance_0", "result": []},
        {"id": "simple_python_0", "result": []},  # duplicate
        {"id": "simple_python_99999", "result": []},  # unknown id
        {"id": "simple_python_2", "result": {"not": "a list"}},  # malformed
        {"result": []},  # no id
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{not json\n"
    hostile = [  # read by the shared JSONL rules: rejected lines, never a traceback
        b'{"id": "simple_python_3", "result": "\xff"}',
        b'{"id": "simple_python_4", "result": [{"f": {"x": ' + b"1" * 5000 + b"}}]}",
        b'{"id": "simple_python_5", "result": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"id": "simple_python_6", "result": [{"f": {"x": NaN}}]}',
        b'{"id": "simple_python_7", "result": [{"f": {"x": 1e999}}]}',
    ]
    preds.write_bytes(text.encode() + b"\n".join(hostile) + b"\n")
    out = tmp_path / "graded"
    result = CliRunner().invoke(
        app, ["eval", "bfcl", "--predictions", str(preds), "--out-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    verdicts = [json.loads(x) for x in (out / "verdicts.jsonl").read_text().splitlines()]
    assert verdicts == [
        {"id": "simple_python_0", "valid": True, "error_type": None},
        {"id": "simple_python_1", "valid": False, "error_type": "value_error:others"},
        {"id": "irrelevance_0", "valid": True, "error_type": None},
    ]
    rejected = json.loads((out / "report.json").read_text())["rejected"]
    assert rejected == [
        f"{preds}:4 [id]: duplicate id 'simple_python_0' (first one kept)",
        f"{preds}:5 [id]: unknown BFCL id 'simple_python_99999'",
        f"{preds}:6 [result]: expected a list of calls, each "
        '{"function_name": {"arg": value}} ([] for none)',
        f"{preds}:7 [id]: missing or not a string",
        f"{preds}:8: invalid JSON: Expecting property name enclosed in double quotes",
        f"{preds}:9: not UTF-8 text (byte 0xff at column 38)",
        f"{preds}:10: unreadable JSON: Exceeds the limit (4300 digits) for integer string "
        "conversion: value has 5000 digits",
        f"{preds}:11: unreadable JSON: nested too deeply",
        f"{preds}:12: not standard JSON: NaN is not a JSON number",
        f"{preds}:13: not standard JSON: 1e999 is too big for a number",
    ]
    cats = json.loads((out / "report.json").read_text())["categories"]
    assert cats["simple_python"]["reason"] == "partial: 2 of 400 entries predicted"


def test_multi_turn_predictions(tmp_path: Path) -> None:
    from agent_rl.evals.bfcl.data import load_category

    entry = load_category("multi_turn_base", 1)[0]
    good = {"id": entry.id, "result": [[turn] if turn else [] for turn in entry.possible_answer]}
    bad = {"id": "multi_turn_base_1", "result": [[["cd(folder='nowhere')"]]]}
    preds = tmp_path / "mt.jsonl"
    preds.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    from agent_rl.evals.bfcl.run import grade_predictions

    report = grade_predictions(preds)
    assert [(v["id"], v["valid"], v["error_type"]) for v in report.verdicts] == [
        (entry.id, True, ""),
        ("multi_turn_base_1", False, "multi_turn:force_terminated"),
    ]


@pytest.mark.slow
def test_a_real_policy_is_graded_even_when_cut_off(tmp_path: Path) -> None:
    """The tiny model writes no tool call within 8 tokens: its cut-off replies are graded as
    they stand (BFCL grades what a model returned): no call passes irrelevance only."""
    out = tmp_path / "tiny"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "bfcl",
            "--categories",
            "simple,irrelevance",
            "--policy",
            "tiny",
            "--limit",
            "2",
            "--max-tokens",
            "8",
            "--out-dir",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    cats = json.loads((out / "report.json").read_text())["categories"]
    assert cats["irrelevance"]["correct"] == cats["irrelevance"]["graded"] == 2
    assert cats["simple_python"]["graded"] == 2 and cats["simple_python"]["correct"] == 0
    assert cats["simple_python"]["failed"] == 0


def test_predictions_for_memory_entries_are_graded(tmp_path: Path) -> None:
    """A memory question's answer in a predictions file is graded like the others (it used
    to crash the report: memory entries have no single-turn `kind`)."""
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"id": "memory_kv_0-customer-0", "result": "x"}) + "\n")
    out = tmp_path / "graded"
    result = CliRunner().invoke(
        app, ["eval", "bfcl", "--predictions", str(preds), "--out-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    verdicts = [json.loads(x) for x in (out / "verdicts.jsonl").read_text().splitlines()]
    assert [v["id"] for v in verdicts] == ["memory_kv_0-customer-0"]
