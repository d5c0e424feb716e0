from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from agent_rl.cli.envs import app

runner = CliRunner()


def test_list_shows_builtin_envs_with_tools() -> None:
    result = runner.invoke(app, ["list", "--json", "--tools"])
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


def test_new_writes_a_working_scaffold_with_its_test(tmp_path) -> None:
    import subprocess
    import sys

    result = runner.invoke(app, ["new", "word-count", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    env_file, test_file = tmp_path / "word_count.py", tmp_path / "test_word_count.py"
    assert 20 <= len(env_file.read_text().splitlines()) <= 40
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert tests.returncode == 0, tests.stdout[-2000:]
    assert "2 passed" in tests.stdout
    again = runner.invoke(app, ["new", "word-count", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "--force" in str(again.exception)
    bad = runner.invoke(app, ["new", "9lives", "--dir", str(tmp_path)])
    assert bad.exit_code != 0 and "start with a letter" in str(bad.exception)


def test_a_user_env_loads_from_a_file_path_and_a_module(tmp_path, monkeypatch) -> None:
    """Gymnasium's `module:EnvId`, and a file path, without packaging the env."""
    from agent_rl.cli.scaffold import write_scaffold

    env_file, _, spec = write_scaffold("Tally", tmp_path)
    assert spec == f"{env_file}:local/Tally-v0"
    result = runner.invoke(app, ["check", spec, "-n", "3", "-k", "split=all"])
    assert result.exit_code == 0, result.output
    assert "3/3 tasks validated" in result.output
    monkeypatch.syspath_prepend(str(tmp_path))
    result = runner.invoke(app, ["check", "tally:local/Tally-v0", "-n", "2"])
    assert result.exit_code == 0, result.output
    # The README's own example, by module path.
    result = runner.invoke(app, ["check", "agent_rl.envs.examples.reverse:examples/Reverse-v0"])
    assert result.exit_code == 0, result.output


def test_bad_env_specs_name_what_is_wrong(tmp_path) -> None:
    from agent_rl import envs
    from agent_rl.errors import ConfigError, UnknownEnvError

    with pytest.raises(ConfigError, match="no such file"):
        envs.make(f"{tmp_path}/nope.py:local/X-v0")
    with pytest.raises(ConfigError, match="cannot import 'no_such_module_xyz'"):
        envs.make("no_such_module_xyz:local/X-v0")
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom at import')\n")
    with pytest.raises(ConfigError, match="boom at import"):
        envs.make(f"{broken}:local/X-v0")
    fine = tmp_path / "empty_env.py"
    fine.write_text("x = 1\n")
    with pytest.raises(UnknownEnvError, match="local/X-v0"):
        envs.make(f"{fine}:local/X-v0")
