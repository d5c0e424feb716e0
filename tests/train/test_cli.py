from __future__ import annotations

import json
import subprocess
import sys

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
