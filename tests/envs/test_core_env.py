from __future__ import annotations

import asyncio

import pytest
from agent_rl.envs.math import CalculatorEnv, MathEnv
from gymnasium.error import ResetNeeded

from agent_rl import envs
from agent_rl.errors import ConfigError, DataError


class Echo(envs.AgentEnv):
    """Multi-turn: the episode ends when the agent says 'done'."""

    def __init__(self, max_turns: int = 3) -> None:
        tasks = [{"id": f"e{i}", "prompt": f"p{i}", "answer": "done"} for i in range(5)]
        super().__init__(tasks, max_turns=max_turns)

    def finish(self, action: envs.Message) -> envs.StepOutcome:
        if action["content"] == "done":
            return envs.StepOutcome(reward=1.0, terminated=True)
        return envs.StepOutcome(
            messages=[{"role": "user", "content": "go on"}], info={"hint": "say done"}
        )


def test_reset_returns_messages_and_info() -> None:
    env = Echo()
    messages, info = env.reset(seed=1)
    assert messages in env.observation_space
    assert info == {"tools": [], "task_id": info["task_id"]}
    assert info["task_id"].startswith("e")


def test_seed_picks_tasks_deterministically() -> None:
    env = Echo()
    picks = [env.reset(seed=s)[1]["task_id"] for s in range(20)]
    assert picks == [Echo().reset(seed=s)[1]["task_id"] for s in range(20)]
    assert len(set(picks)) > 1


def test_options_task_runs_that_task() -> None:
    env = Echo()
    messages, info = env.reset(
        options={"task": {"id": "mine", "prompt": "custom", "answer": "done"}}
    )
    assert info["task_id"] == "mine" and messages[-1]["content"] == "custom"
    with pytest.raises(DataError, match="prompt"):
        env.reset(options={"task": {"id": "x", "answer": "1"}})


def test_string_action_multi_turn_and_max_turn_truncation() -> None:
    env = Echo(max_turns=2)
    env.reset(seed=0)
    new, reward, terminated, truncated, info = env.step("not yet")
    assert new == [{"role": "user", "content": "go on"}]
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert info["turn"] == 1 and info["hint"] == "say done"
    _, _, terminated, truncated, info = env.step({"role": "assistant", "content": "still no"})
    assert (terminated, truncated) == (False, True) and info["truncation"] == "max_turns"
    with pytest.raises(ResetNeeded):
        env.step("done")
    env.reset(seed=0)
    assert env.step({"content": None, "tool_calls": []})[1] == 0.0  # None content is ""
    assert env.history[-2]["content"] == ""


def test_step_before_reset_and_bad_action() -> None:
    env = Echo()
    with pytest.raises(ResetNeeded):
        env.step("done")
    env.reset(seed=0)
    with pytest.raises(TypeError):
        env.step(3)  # type: ignore[arg-type]


def test_returned_data_are_fresh_objects() -> None:
    env = MathEnv()
    messages, info = env.reset(seed=0)
    messages[0]["content"] = "changed"
    info["tools"].append("x")
    again, info2 = env.reset(seed=0)
    assert again[0]["content"] != "changed" and info2["tools"] == []


async def test_async_api_matches_sync() -> None:
    env = CalculatorEnv()
    sync_obs, _ = env.reset(seed=5)
    obs, info = await env.areset(seed=5)
    assert obs == sync_obs and info["tools"][0]["function"]["name"] == "calculator"
    new, reward, terminated, _, _ = await env.astep(env.reference_action())
    assert new[0]["role"] == "tool" and not terminated
    new, reward, terminated, _, _ = await env.astep(env.reference_action())
    assert terminated and reward == 1.0


async def test_many_envs_concurrently() -> None:
    async def episode(seed: int) -> float:
        env = MathEnv()
        await env.areset(seed=seed)
        return (await env.astep(env.reference_action()))[1]

    assert await asyncio.gather(*(episode(s) for s in range(8))) == [1.0] * 8


def test_validate_reports_failures() -> None:
    class Broken(Echo):
        def reference_action(self) -> envs.Message:
            return {"role": "assistant", "content": "wrong"}

    report = Broken(max_turns=1).validate(2)
    assert not report.ok and len(report.failures) == 2 and "scored 0.0" in report.failures[0]
    assert Echo().validate().ok is False  # Echo has no reference_action
    good = MathEnv().validate(3)
    assert good.ok and good.passed == 3 and "3/3" in good.summary()


def test_bad_construction() -> None:
    with pytest.raises(ConfigError):
        Echo(max_turns=0)
    with pytest.raises(DataError):
        MathEnv(tasks=[])
    with pytest.raises(ConfigError, match="unknown tool"):
        MathEnv(tools=("browser",))


def test_reward_outside_unit_interval_is_refused() -> None:
    class Greedy(Echo):
        def finish(self, action: envs.Message) -> envs.StepOutcome:
            return envs.StepOutcome(reward=2.0, terminated=True)

    env = Greedy()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="outside"):
        env.step("x")
