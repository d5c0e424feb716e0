"""The issue's own acceptance command: the oracle passes all of HumanEval, as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_rl.tools.sandbox import get_sandbox
from typer.testing import CliRunner

from agent_rl.cli.main import app
from agent_rl.cli.rollout import turn_budget


def test_the_oracle_gets_the_whole_budget_and_models_512() -> None:
    assert turn_budget(None, 4096, "oracle") == 4096
    assert turn_budget(None, 4096, "tiny") == 512
    assert turn_budget(64, 4096, "oracle") == 64


@pytest.mark.slow
@pytest.mark.skipif(
    get_sandbox("auto").available() is not None, reason="no sandbox backend can run here"
)
def test_eval_humaneval_oracle_passes_164(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval", "--env", "agent_rl/Code-v0", "--dataset", "humaneval", "--policy", "oracle",
            "--n", "164", "--out-dir", str(tmp_path), "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["n_tasks"] == 164 and report["failed"] == 0
    assert report["mean_reward"] == 1.0
