"""pass^k and the ToolWorld metrics."""

from __future__ import annotations

import pytest
from agent_rl.envs.function_call.metrics import pass_hat_k, toolworld_metrics


def test_pass_hat_k_estimator() -> None:
    assert pass_hat_k([(4, 2)], 1) == 0.5
    assert pass_hat_k([(4, 2)], 2) == pytest.approx(1 / 6)  # C(2,2)/C(4,2)
    assert pass_hat_k([(4, 4), (4, 0)], 3) == 0.5
    assert pass_hat_k([(1, 1)], 2) is None


def test_toolworld_metrics() -> None:
    eps = [
        {"task_id": "a", "reward": 1.0, "score": {"details": {"calls": 3, "invalid_calls": 1}}},
        {"task_id": "a", "reward": 0.5, "score": {"details": {"calls": 1, "invalid_calls": 0}}},
    ]
    m = toolworld_metrics(eps, ks=(1, 2))
    assert m["success"] == 0.5 and m["partial_credit"] == 0.75
    assert m["calls_per_task"] == 2.0 and m["invalid_call_rate"] == 0.25
    assert m["pass_hat_k"] == {"pass^1": 0.5, "pass^2": 0.0}


def test_eval_toolworld_command(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from agent_rl.cli.main import app

    out = tmp_path / "m.json"
    res = CliRunner().invoke(
        app, ["eval", "toolworld", "--policy", "oracle", "--k", "2", "--n", "6", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    m = json.loads(out.read_text())
    assert (m["tasks"], m["episodes"], m["failed"]) == (6, 12, 0)
    assert m["success"] == 1.0 and m["pass_hat_k"] == {"pass^1": 1.0, "pass^2": 1.0}
    assert m["calls_per_task"] > 0 and m["invalid_call_rate"] == 0.0
