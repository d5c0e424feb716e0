"""Math-v0 with the python tool: tool-integrated reasoning on the project's sandbox."""

from __future__ import annotations

import json
import warnings

import pytest
from agent_rl.envs.math import MathEnv
from agent_rl.tools.sandbox import get_sandbox
from gymnasium.utils.env_checker import check_env

from agent_rl import envs

SKIP = get_sandbox("bwrap").available()  # None, or why bubblewrap cannot run here

pytestmark = pytest.mark.skipif(SKIP is not None, reason=f"bubblewrap sandbox unavailable: {SKIP}")


def call(code: str, i: int) -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": f"c{i}",
                "type": "function",
                "function": {"name": "python", "arguments": json.dumps({"code": code})},
            }
        ],
    }


def test_python_tool_state_persists_within_an_episode_and_not_across() -> None:
    env = MathEnv(python=True, sandbox="bwrap")
    try:
        _, info = env.reset(seed=0)
        assert [t["function"]["name"] for t in info["tools"]] == ["python"]
        out, reward, terminated, _, step_info = env.step(call("x = 6 * 7", 1))
        assert not terminated and reward == 0.0 and "infra_error" not in step_info
        out, *_ = env.step(call("print(x + 1)", 2))
        assert out[0]["role"] == "tool" and "43" in out[0]["content"]
        _, reward, terminated, _, _ = env.step(env.reference_action())
        assert terminated and reward == 1.0
        env.reset(seed=1)
        out, *_ = env.step(call("print(x)", 3))
        assert "NameError" in out[0]["content"]
    finally:
        env.close()


def test_math_with_python_passes_check_env() -> None:
    env = envs.make("agent_rl/Math-v0", tools=("python",), sandbox="bwrap")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env, skip_render_check=True)
    finally:
        env.close()


def test_tools_from_the_command_line_are_a_comma_separated_string() -> None:
    env = MathEnv(tools="calculator,python", sandbox="bwrap")
    try:
        assert sorted(env.tool_names) == ["calculator", "python"]
    finally:
        env.close()
