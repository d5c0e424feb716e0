"""`agent-rl rollout`, `agent-rl eval` and `agent-rl serve`, run as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from agent_rl.cli.main import app
from agent_rl.rollout import read_jsonl


def test_rollout_oracle_math(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "rollout",
            "--env",
            "agent_rl/Math-v0",
            "--policy",
            "oracle",
            "--n",
            "5",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    trajs = list(read_jsonl(out))
    assert len(trajs) == 5 and all(t.reward == 1.0 and t.termination == "terminated" for t in trajs)
    assert "mean reward" in result.output


def test_eval_oracle_calculator_writes_reports(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--env",
            "agent_rl/Calculator-v0",
            "--policy",
            "oracle",
            "--n",
            "3",
            "--k",
            "2",
            "--out-dir",
            str(tmp_path),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["mean_reward"] == 1.0 and report["pass_at_k"]["pass@2"] == 1.0
    assert report["episodes"] == 6 and report["failed"] == 0
    assert (tmp_path / "report.md").read_text().startswith("# Evaluation")


def test_unknown_policy_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "rollout",
            "--env",
            "agent_rl/Math-v0",
            "--policy",
            "gpt-9",
            "--out",
            str(tmp_path / "x.jsonl"),
        ],
    )
    assert result.exit_code != 0
    assert "unknown policy 'gpt-9'" in str(result.exception)


@pytest.mark.slow
def test_serve_command_answers_http(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_rl.cli.main", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        deadline = time.time() + 120
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(
                        proc.stderr.read().decode() if proc.stderr else "no output"
                    ) from None
                time.sleep(0.5)
        assert r.json()["data"][0]["id"] == "tiny"
        r = httpx.post(
            f"http://127.0.0.1:{port}/v1/completions",
            json={"prompt": [0, 3, 64], "max_tokens": 3, "logprobs": 1},
        )
        choice = r.json()["choices"][0]
        assert len(choice["token_ids"]) <= 3 and len(choice["logprobs"]["token_logprobs"]) == len(
            choice["token_ids"]
        )
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_rollout_and_eval_with_the_tiny_model(tmp_path: Path) -> None:
    out = tmp_path / "calc.jsonl"
    args = ["rollout", "--env", "agent_rl/Calculator-v0", "--policy", "tiny", "--n", "2"]
    args += ["--max-tokens", "12", "--validate", "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    trajs = list(read_jsonl(out))
    assert len(trajs) == 2 and not any(t.failed for t in trajs), [t.error for t in trajs]
    for t in trajs:
        t.check()
        assert t.tools and t.num_policy_tokens > 0 and t.logprobs[0] < 0.0
    args = ["eval", "--env", "agent_rl/Math-v0", "--policy", "tiny", "--n", "2", "--k", "2"]
    args += ["--max-tokens", "8", "--out-dir", str(tmp_path / "eval"), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert report["episodes"] == 4 and report["n_tasks"] == 2 and report["failed"] == 0
    assert set(report["pass_at_k"]) == {"pass@1", "pass@2"}
    assert report["config"]["sampling"]["temperature"] == 1.0


def _main(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent_rl.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_rollout_with_an_unknown_env_fails_before_touching_out(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    out.write_text('{"keep": "me"}\n')
    res = _main("rollout", "--env", "agent_rl/Mth-v0", "--out", str(out))
    assert res.returncode == 2 and "agent_rl/Math-v0" in res.stderr  # close match named
    assert "Traceback" not in res.stderr
    assert out.read_text() == '{"keep": "me"}\n', "the old output is untouched"
    assert not list(tmp_path.glob(".t.jsonl.*")), "no temp file left"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--temperature", "nan"], "--temperature"),
        (["--step-timeout", "inf"], "--step-timeout"),
        (["--step-timeout", "-1"], "--step-timeout"),
        (["--top-p", "0"], "--top-p"),
        (["--n", "0"], "--n"),
    ],
)
def test_absurd_numbers_are_one_clear_error(tmp_path: Path, args: list[str], option: str) -> None:
    res = _main("rollout", "--env", "agent_rl/Math-v0", "--out", str(tmp_path / "t.jsonl"), *args)
    assert res.returncode == 2 and option in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_eval_checks_out_dir_before_running(tmp_path: Path) -> None:
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report folder should go")
    res = _main(
        "eval", "--env", "agent_rl/Math-v0", "--policy", "oracle", "--out-dir", str(blocker)
    )
    assert res.returncode == 2 and "not a directory" in res.stderr
    assert "Traceback" not in res.stderr
    empty = tmp_path / "empty_model"
    empty.mkdir()
    res = _main(
        "eval",
        "--env",
        "agent_rl/Math-v0",
        "--policy",
        str(empty),
        "--out-dir",
        str(tmp_path / "r"),
    )
    assert res.returncode == 2 and "empty folder" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "r").exists()


def test_an_interrupted_rollout_keeps_the_old_output(tmp_path: Path) -> None:
    """The new trajectories go to a temp file; a failure leaves `<out>.partial`, and --out
    keeps its old content."""
    from agent_rl.cli.checks import atomic_output

    out = tmp_path / "t.jsonl"
    out.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_output(out) as f:
        f.write("new, half\n")
        raise KeyboardInterrupt
    assert out.read_text() == "old\n"
    assert (tmp_path / "t.jsonl.partial").read_text() == "new, half\n"
    with atomic_output(out) as f:
        f.write("new\n")
    assert out.read_text() == "new\n"


def test_env_options_and_user_envs_on_rollout_and_eval(tmp_path: Path) -> None:
    """`-k key=value` reaches the env on every command; `file.py:EnvId` loads a user's env."""
    from agent_rl.cli.scaffold import write_scaffold

    _, _, spec = write_scaffold("Sums", tmp_path)
    out = tmp_path / "t.jsonl"
    res = CliRunner().invoke(
        app,
        [
            "rollout",
            "--env",
            spec,
            "--n",
            "3",
            "-k",
            "split=test",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert res.exit_code == 0, res.output
    trajs = list(read_jsonl(out))
    assert len(trajs) == 3 and all(t.reward == 1.0 for t in trajs)
    assert "mean reward" in res.stdout
    res = CliRunner().invoke(
        app,
        [
            "eval",
            "--env",
            spec,
            "--n",
            "4",
            "-k",
            "split=train",
            "--out-dir",
            str(tmp_path / "r"),
            "--no-progress",
        ],
    )
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["config"]["env_kwargs"] == {"split": "train"} and report["mean_reward"] == 1.0
    res = _main("rollout", "--env", spec, "-k", "level=3", "--out", str(out))
    assert res.returncode == 2 and "level" in res.stderr and "Traceback" not in res.stderr
