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
