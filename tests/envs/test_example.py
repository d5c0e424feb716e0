"""The README's 'write and register your own env' example really works."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium
from gymnasium.utils.env_checker import check_env

from agent_rl import envs


def test_example_registers_and_passes_checks() -> None:
    module = importlib.import_module("agent_rl.envs.examples.reverse")
    assert "examples/Reverse-v0" in envs.list_envs()
    env = gymnasium.make("examples/Reverse-v0")
    assert isinstance(env.unwrapped, module.ReverseEnv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    small = envs.make("examples/Reverse-v0", words=["abc", "rollout"])
    report = small.validate()
    assert report.ok and report.passed == 2
    small.reset(options={"task": {"id": "x", "prompt": "Reverse the word: abc", "answer": "cba"}})
    assert small.step("abc")[1] == 0.0
    assert envs.make("examples/Reverse-v0").validate().ok


def test_example_file_is_short_and_runs_as_a_script() -> None:
    path = Path(envs.__file__).parent / "examples" / "reverse.py"
    assert len(path.read_text().splitlines()) <= 40
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("-> 1.0")
