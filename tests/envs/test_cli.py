from __future__ import annotations

import json

from typer.testing import CliRunner

from agent_rl.cli.envs import app

runner = CliRunner()


def test_list_shows_builtin_envs_with_tools() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert rows["agent_rl/Calculator-v0"]["tools"] == "calculator"
    assert rows["agent_rl/Math-v0"]["entry_point"] == "agent_rl.envs.math.env:MathEnv"
    table = runner.invoke(app, ["list"])
    assert table.exit_code == 0 and "agent_rl/Math-v0" in table.output


def test_check_passes_on_math() -> None:
    result = runner.invoke(app, ["check", "agent_rl/Math-v0", "--n", "4"])
    assert result.exit_code == 0, result.output
    assert "check_env passed" in result.output and "4/4 tasks validated" in result.output


def test_check_with_kwargs() -> None:
    result = runner.invoke(
        app,
        [
            "check",
            "agent_rl/Math-v0",
            "-n",
            "2",
            "-k",
            "calculator=true",
            "-k",
            "source=reasoning_gym:basic_arithmetic",
        ],
    )
    assert result.exit_code == 0, result.output


def test_check_fails_for_unknown_env() -> None:
    result = runner.invoke(app, ["check", "agent_rl/Mat-v0"])
    assert result.exit_code != 0
    assert "agent_rl/Math-v0" in str(result.exception)


def test_check_dataset_and_env_kwarg_reach_the_env(tmp_path) -> None:
    # Same option names as `rollout`/`eval`: --dataset sets `source`, --env-kwarg any argument.
    result = runner.invoke(
        app,
        [
            "check",
            "agent_rl/Math-v0",
            "-n",
            "5",
            "--dataset",
            "reasoning_gym:gcd",
            "-k",
            "n_tasks=2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2/2 tasks validated" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answer": "no marker"}\n')
    result = runner.invoke(app, ["check", "agent_rl/Math-v0", "--dataset", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}:1" in str(result.exception)
