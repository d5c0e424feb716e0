"""ToolWorld-v0: the oracle solves every task, doing nothing solves none, and every penalty
is applied and explained as documented."""

from __future__ import annotations

import json

import pytest
from agent_rl.envs.function_call.toolworld import ToolWorldEnv
from gymnasium.utils.env_checker import check_env

from agent_rl import envs


@pytest.fixture(scope="module")
def env() -> ToolWorldEnv:
    return envs.make("agent_rl/ToolWorld-v0", split="all").unwrapped


def _call(name: str, **args) -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": f"c_{name}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
        ],
    }


def _task(env: ToolWorldEnv, task_id: str):
    return next(t for t in env.tasks if t.id == task_id)


def test_check_env_and_oracle_on_every_shipped_task(env: ToolWorldEnv) -> None:
    check_env(env)
    report = env.validate()
    assert report.ok and report.n_tasks >= 300, report.summary()[:2000]


def test_do_nothing_solves_none(env: ToolWorldEnv) -> None:
    solved = 0
    for task in env.tasks:
        env.reset(options={"task": task})
        reward, done = 0.0, False
        while not done:
            _, reward, term, trunc, _ = env.step({"role": "assistant", "content": "OK."})
            done = term or trunc
        solved += reward == 1.0
    assert solved == 0


def test_state_persists_in_an_episode_and_resets(env: ToolWorldEnv) -> None:
    task = _task(env, "hw-files-only-tmp")
    env.reset(options={"task": task})
    env.step(_call("delete_file", path="/tmp/cache.tmp"))
    obs, *_ = env.step(_call("read_file", path="/tmp/cache.tmp"))
    assert "no such file" in obs[0]["content"]
    env.reset(options={"task": task})
    obs, *_ = env.step(_call("read_file", path="/tmp/cache.tmp"))
    assert obs[0]["content"] == "x"


def test_penalties_are_explained_and_applied(env: ToolWorldEnv) -> None:
    task = _task(env, "hw-files-only-tmp")
    env.reset(options={"task": task})
    obs, *_ = env.step(_call("delete_files", path="/tmp/cache.tmp"))  # unknown tool
    assert "unknown tool 'delete_files'" in obs[0]["content"] and "costs 0.1" in obs[0]["content"]
    obs, *_ = env.step(_call("delete_file", file="/tmp/cache.tmp"))  # schema violation
    assert "invalid arguments" in obs[0]["content"]
    env.step(_call("list_files", directory="/tmp"))
    obs, *_ = env.step(_call("list_files", directory="/tmp"))  # repeated, nothing changed
    assert "already made this exact call" in obs[0]["content"]
    env.step(_call("delete_file", path="/tmp/cache.tmp"))
    _, reward, term, _, info = env.step({"role": "assistant", "content": "Done."})
    assert term and info["score"]["components"]["state"] == 1.0
    assert info["score"]["details"]["invalid_calls"] == 2
    assert info["score"]["details"]["repeated_calls"] == 1
    assert reward == pytest.approx(0.7)  # 1.0 x (1 - 3 x 0.1)


def test_calls_after_the_final_answer_are_not_run(env: ToolWorldEnv) -> None:
    env.reset(options={"task": _task(env, "hw-files-only-tmp")})
    message = _call("delete_file", path="/tmp/cache.tmp") | {"content": "Final answer: done"}
    obs, _, term, _, info = env.step(message)
    assert term and "were not run" in obs[-1]["content"]
    assert info["score"]["details"]["calls_after_final"] == 1
    assert info["score"]["components"]["state"] < 1.0  # the delete did not happen


def test_minefield_zeroes_and_runaway_stops(env: ToolWorldEnv) -> None:
    env.reset(options={"task": _task(env, "hw-files-only-tmp")})
    env.step(_call("delete_file", path="/tmp/cache.tmp"))
    env.step(_call("delete_file", path="/tmp/keep.txt"))  # forbidden
    _, reward, _, _, info = env.step({"role": "assistant", "content": "Done."})
    assert reward == 0.0 and info["score"]["components"]["no_minefield"] == 0.0
    small = ToolWorldEnv(split="all", max_calls=3, suites="files")
    small.reset(options={"task": _task(small, "hw-files-launch-day")})
    for path in ("/a", "/b", "/c"):
        small.step(_call("read_file", path=path))
    obs, reward, term, _, info = small.step(_call("read_file", path="/d"))
    assert term and reward == 0.0 and "runaway" in obs[-1]["content"]


def test_partial_credit_per_suite(env: ToolWorldEnv) -> None:
    env.reset(options={"task": _task(env, "hw-calendar-swap")})  # two turns; do only the first
    env.step(_call("move_event", event_id=4, day="tue", start=14))
    env.step({"role": "assistant", "content": "Moved."})  # the user asks for the cancellation
    _, reward, term, _, info = env.step({"role": "assistant", "content": "Done."})
    assert term and 0.0 < reward < 1.0 and info["score"]["components"]["milestones"] == 0.5
    env.reset(options={"task": _task(env, "hw-bank-rent")})  # bank: all or nothing
    env.step(_call("transfer", source="savings", target="checking", amount=330))
    _, reward, *_ = env.step({"role": "assistant", "content": "Done."})
    assert reward == 0.0


def test_multi_turn_scripted_user_sends_turns_in_order(env: ToolWorldEnv) -> None:
    task = _task(env, "hw-calendar-swap")
    env.reset(options={"task": task})
    obs, _, term, *_ = env.step({"role": "assistant", "content": "Sure."})
    assert not term and obs == [{"role": "user", "content": task.metadata["user_turns"][0]}]


def test_doing_nothing_earns_no_state_credit_and_damage_costs(env: ToolWorldEnv) -> None:
    env.reset(options={"task": _task(env, "hw-files-rotate-logs")})
    _, reward, _, _, info = env.step({"role": "assistant", "content": "Done."})
    assert info["score"]["components"]["state"] == 0.0 and reward == 0.0
    env.reset(options={"task": _task(env, "hw-files-launch-day")})  # read-only question
    env.step(_call("write_file", path="/docs/new.txt", content="x"))  # collateral (and a mine)
    _, reward, _, _, info = env.step({"role": "assistant", "content": "Friday"})
    assert info["score"]["components"]["state"] == 0.0 and reward == 0.0
