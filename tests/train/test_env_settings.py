"""Every env trains with the defaults or with what the env declares (`train_settings`)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, ClassVar

import pytest

from agent_rl import envs
from agent_rl.errors import ConfigError
from agent_rl.train.config import RolloutConfig, load_config


def test_env_settings_fill_defaults_and_the_user_wins(tmp_path):
    code = load_config(None, {"env.id": "agent_rl/Code-v0"})
    assert code.rollout.max_tokens == 512 and code.rollout.step_timeout_s == 180.0
    assert code.rollout.max_total_tokens == 1536
    mine = load_config(None, ["env.id=agent_rl/Code-v0", "rollout.max_tokens=64"])
    assert mine.rollout.max_tokens == 64 and mine.rollout.step_timeout_s == 180.0
    f = tmp_path / "c.yaml"
    f.write_text("env: {id: agent_rl/Code-v0}\nrollout: {step_timeout_s: 30}\n")
    assert load_config(f).rollout.step_timeout_s == 30.0
    assert load_config().rollout.max_tokens == RolloutConfig().max_tokens  # Calculator: none


def test_an_env_declaring_an_unknown_setting_is_named():
    @envs.register_env("test/BadSettings-v0")
    class Bad(envs.AgentEnv):
        train_settings: ClassVar[dict[str, Any]] = {"max_tokenz": 9}

    try:
        with pytest.raises(ConfigError, match=r"test/BadSettings-v0.*max_tokenz"):
            load_config(None, {"env.id": "test/BadSettings-v0"})
    finally:
        envs.unregister("test/BadSettings-v0")


@pytest.mark.slow
def test_code_env_trains_two_steps_with_the_default_rollout_settings(tmp_path):
    """`rollout.*` untouched: the env's declared budgets let the oracle solve its tasks and
    the policy's episodes finish (before, every oracle episode hit max_tokens 48)."""
    out = tmp_path / "run"
    args = [sys.executable, "-m", "agent_rl.cli.main", "train", "--env", "agent_rl/Code-v0"]
    args += ["--sft-steps", "2", "--rl-steps", "2", "--out", str(out)]
    for s in ("sft.episodes=16", "rl.tasks_per_step=2", "rl.group_size=2", "eval.episodes=4"):
        args += ["--set", s]
    res = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "held-out success" in res.stdout and "calling a tool" not in res.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["rollout"]["max_tokens"] == 512
    rl = summary["stages"]["rl"]
    assert rl["eval_after"]["eval/failed"] == 0
    recs = [json.loads(x) for x in (out / "rl" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in recs if r["step"] > 0]
    assert [r["step"] for r in steps] == [1, 2]
    assert all(r["rollout/failed"] == 0 for r in steps), "no step timeouts or env errors"


def test_an_env_without_a_split_trains_from_its_file_and_is_held_out_on_its_own_tasks(
        tmp_path):
    """The README's own example env (no `split` parameter), loaded by file path: training
    and the held-out evaluation both build it without a `split` (before, the held-out env got
    `split="test"` and the run died after SFT), and the log says what held-out means here."""
    from pathlib import Path

    example = Path(envs.__file__).parent / "examples" / "reverse.py"
    out = tmp_path / "run"
    args = [sys.executable, "-m", "agent_rl.cli.main", "train", "--env",
            f"{example}:examples/Reverse-v0", "--sft-steps", "1", "--rl-steps", "1",
            "--out", str(out)]
    for s in ("sft.episodes=4", "rl.tasks_per_step=2", "rl.group_size=2", "eval.episodes=2"):
        args += ["--set", s]
    res = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "declares no held-out split" in res.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stages"]["rl"]["eval_after"]["eval/failed"] == 0
