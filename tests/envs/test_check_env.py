"""Every registered env passes Gymnasium's own conformance check, with no warnings."""

from __future__ import annotations

import warnings

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env

from agent_rl import envs


@pytest.mark.parametrize("env_id", envs.list_envs())
def test_check_env_on_every_registered_env(env_id: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any Gymnasium warning fails the test
        check_env(gymnasium.make(env_id).unwrapped)


@pytest.mark.parametrize("env_id", envs.list_envs())
def test_every_env_constructs_without_arguments_and_validates(env_id: str) -> None:
    env = envs.make(env_id)
    assert isinstance(env, envs.AgentEnv)
    report = env.validate(3)
    assert report.ok, report.summary()


@pytest.mark.parametrize("env_id", envs.list_envs())
def test_seeded_episodes_are_reproducible(env_id: str) -> None:
    def run(seed: int) -> list:
        env = envs.make(env_id)
        obs, info = env.reset(seed=seed)
        trace = [obs, info]
        for _ in range(env.max_turns):
            step = env.step(env.reference_action())
            trace.append(step)
            if step[2] or step[3]:
                break
        return trace

    assert run(11) == run(11)
    assert any(run(11)[0] != run(s)[0] for s in range(12, 20))
