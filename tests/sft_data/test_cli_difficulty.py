"""The `agent-rl sft` commands end to end, and the difficulty pass with the oracle policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent_rl import envs
from agent_rl.cli.sft import app

FIXTURES = Path(__file__).parent / "fixtures"


def test_cli_convert_then_passes(tmp_path: Path) -> None:
    runner = CliRunner()
    out, rej = tmp_path / "c.jsonl", tmp_path / "rej.jsonl"
    r = runner.invoke(app, ["convert", "--from", "auto", *map(str, sorted(FIXTURES.glob("*.json*"))),
                            "--out", str(out), "--rejects", str(rej)])
    assert r.exit_code == 0, r.output
    assert "auto-detected" in r.output and len(out.read_text().splitlines()) == 19
    assert len(rej.read_text().splitlines()) == 9
    for cmd, extra in [("quality", []), ("identity", ["--qa-count", "2"]), ("dedup", []),
                       ("think-mix", ["--share", "0.5"]), ("select", ["-n", "5"])]:
        nxt = tmp_path / f"{cmd}.jsonl"
        r = runner.invoke(app, [cmd, str(out), *extra, "--out", str(nxt), "--rejects", str(tmp_path / f"{cmd}.rej")])
        assert r.exit_code == 0, (cmd, r.output)
        out = nxt
    assert len(out.read_text().splitlines()) == 5
    r = runner.invoke(app, ["convert", "--from", "alpaca", str(FIXTURES / "xlam.json"), "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and "allowed: auto, bfcl" in str(r.exception)


def test_cli_convert_summary_is_readable_at_80_columns(tmp_path: Path) -> None:
    files = [*sorted(FIXTURES.glob("*.json*")), *sorted((FIXTURES / "bfcl").glob("*.json"))]
    r = CliRunner().invoke(app, ["convert", *map(str, files), "--out", str(tmp_path / "c.jsonl"),
                                 "--rejects", str(tmp_path / "r.jsonl")], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "…" not in r.output and max(len(line) for line in r.output.splitlines()) <= 80
    for name in ("glaive.json", "openai.jsonl", "BFCL_v4_live_multiple.json"):  # short, whole file names
        assert f"│ {name}" in r.output
    for reason in ("unparseable_call", "unparseable_arguments", "no_assistant_turn", "bfcl_simulated_apis"):
        assert f"│ {reason}" in r.output  # every reason in full, in its own row
    assert "total: 35 in = 23 out + 12 rejected  ok" in r.output
    assert str(tmp_path / "r.jsonl") in r.output.replace("\n", "")


def test_cli_pipeline_bad_config(tmp_path: Path) -> None:
    cfg = tmp_path / "p.yaml"
    cfg.write_text("inputs: [a.jsonl]\noutput: o.jsonl\npasses:\n  - dedup: {rows: 3}\n")
    r = CliRunner().invoke(app, ["pipeline", "--config", str(cfg)])
    assert r.exit_code != 0 and "dedup.rows: unknown option 'rows'" in str(r.exception)


def test_difficulty_with_oracle_policy(chat_format) -> None:
    assert "agent_rl/Math-v0" in envs.registered_envs()
    from agent_rl.sft_data.curate import Difficulty, DifficultyConfig

    def record(i: int, env: bool) -> dict:
        meta = {"env_id": "agent_rl/Math-v0", "task": {"id": f"t{i}", "prompt": f"What is {i} + 2?", "answer": str(i + 2)}} if env else {}
        return {"id": f"r{i}", "messages": [{"role": "user", "content": f"What is {i} + 2?"},
                                            {"role": "assistant", "content": str(i + 2)}],
                "tools": [], "source": {"file": "m", "line": i, "format": "t"}, "meta": meta}

    d = Difficulty(DifficultyConfig(policy="oracle", k=2), chat_format=chat_format)
    out = list(d([record(1, True), record(2, False), record(3, True)]))
    assert [r["id"] for r in out] == ["r2", "r1", "r3"] or [r["id"] for r in out] == ["r1", "r2", "r3"]
    labelled = {r["id"]: r["meta"].get("difficulty") for r in out}
    assert labelled["r2"] is None and d.counts.notes["not_verifiable"] == 1
    for rid in ("r1", "r3"):
        assert labelled[rid]["pass_rate"] == 1.0 and labelled[rid]["label"] == "easy", labelled[rid]
    assert d.counts.reconciles()


@pytest.mark.slow
def test_difficulty_cli_on_math_tasks_oracle_and_tiny(tmp_path: Path) -> None:
    """Math-v0's own tasks as verifiable records: the oracle solves all (easy), the untrained
    tiny model none (unsolved, dropped here with their source line)."""
    import dataclasses
    import json

    env = envs.make("agent_rl/Math-v0")
    inp = tmp_path / "math.jsonl"
    with inp.open("w") as fh:
        for i, t in enumerate(env.unwrapped.tasks[:3], 1):
            fh.write(json.dumps({
                "id": t.id, "tools": [], "source": {"file": "math.jsonl", "line": i, "format": "t"},
                "messages": [{"role": "user", "content": t.prompt}, {"role": "assistant", "content": f"\\boxed{{{t.answer}}}"}],
                "meta": {"env_id": "agent_rl/Math-v0", "task": dataclasses.asdict(t)}}) + "\n")
    runner = CliRunner()
    easy, hard, rej = tmp_path / "easy.jsonl", tmp_path / "hard.jsonl", tmp_path / "rej.jsonl"
    r = runner.invoke(app, ["difficulty", str(inp), "--out", str(easy), "--policy", "oracle", "--k", "2"])
    assert r.exit_code == 0, r.output
    labels = [json.loads(x)["meta"]["difficulty"] for x in easy.read_text().splitlines()]
    assert [(d["label"], d["pass_rate"], d["k"]) for d in labels] == [("easy", 1.0, 2)] * 3
    r = runner.invoke(app, ["difficulty", str(inp), "--out", str(hard), "--policy", "tiny", "--k", "2",
                            "--max-tokens", "8", "--drop-label", "unsolved", "--rejects", str(rej)])
    assert r.exit_code == 0, r.output
    assert hard.read_text() == ""
    rejects = [json.loads(x) for x in rej.read_text().splitlines()]
    assert [(x["reason"], x["line"]) for x in rejects] == [("difficulty:unsolved", i) for i in (1, 2, 3)]
