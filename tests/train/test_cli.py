from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from agent_rl.cli.train import app


def test_help_lists_options_and_subcommands():
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    for word in (
        "--env",
        "--algo",
        "--model",
        "--config",
        "--steps",
        "--out",
        "--resume",
        "sft",
        "dpo",
    ):
        assert word in res.output


def test_invalid_config_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rl:\n  algo: reinforce\n")
    res = subprocess.run(
        [sys.executable, "-m", "agent_rl.cli.main", "train", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "rl.algo" in res.stderr and "grpo, ppo, dapo, gspo" in res.stderr
    assert "Traceback" not in res.stderr


def test_sft_subcommand_trains_from_a_tokenized_file(tmp_path):
    data = tmp_path / "data.jsonl"
    rows = [{"input_ids": [1, 5, 6, 7, 8, 9], "loss_mask": [0, 0, 1, 1, 1, 1]}] * 4
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app,
        [
            "sft",
            "--data",
            str(data),
            "--steps",
            "3",
            "--out",
            str(out),
            "--set",
            "sft.batch_size=2",
            "--set",
            "tensorboard=false",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["stages"]) == ["sft"]
    assert summary["config"]["sft"]["source"] == "auto"
    assert (out / "sft" / "checkpoints" / "step_000003" / "COMPLETE").is_file()


def test_an_option_of_the_other_backend_is_refused_before_any_work(tmp_path, monkeypatch):
    """`--dry-run` without `--backend verl` used to start a whole local run; `--stages` with
    `--backend verl` was silently dropped. Each is now a usage error naming the option."""
    import agent_rl.cli.train as cli_train

    monkeypatch.setattr(cli_train, "_run", lambda *a, **k: pytest.fail("a local run started"))
    cases = [
        (["--dry-run"], "--dry-run applies to --backend verl only"),
        (["--nodes", "2"], "--nodes applies to --backend verl only"),
        (["--backend", "verl", "--stages", "sft", "--dry-run"], "--stages applies to --backend local only"),
        (["--backend", "verl", "--resume", "--dry-run"], "--resume applies to --backend local only"),
    ]
    for args, message in cases:
        res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "run")])
        assert res.exit_code == 2, (args, res.output)
        assert message in " ".join(res.output.split()), res.output
    assert not (tmp_path / "run").exists()
