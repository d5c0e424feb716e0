"""Oversized or deeply nested tool-call arguments from the model: ToolWorld-v0 and
FunctionCall-v0 treat them as they treat arguments that are not JSON (an invalid call, the
agent's own 0), never as an exception out of `step`."""

from __future__ import annotations

import pytest
from agent_rl.tools import decode_arguments

from agent_rl import envs
from agent_rl.chat_format import parse_v31
from agent_rl.chat_format.special_tokens import (
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_SEP,
)

HUGE_INT = "1" * 5000  # past CPython's 4,300-digit int/str conversion limit
HOSTILE = {
    "huge_int": '{"x": ' + HUGE_INT + "}",
    "huge_negative_int": '{"x": -' + HUGE_INT + "}",
    "deep_list": "[" * 5000 + "]" * 5000,
    "deep_in_object": '{"x": ' + "[" * 5000 + "]" * 5000 + "}",
    "deep_objects": '{"x":' * 5000 + "1" + "}" * 5000,
    "deep_but_decodable": '{"x": ' + "[" * 150 + "]" * 150 + "}",  # past MAX_ARGUMENT_DEPTH
    "nan": '{"x": NaN}',
    "infinity": '{"x": -Infinity}',
    "overflowing_float": '{"x": 1e999}',
}


def _message(name: str, arguments: str) -> dict:
    """The assistant message the chat-format parser makes of the model's text."""
    text = (
        f"{TOOL_CALLS_BEGIN}{TOOL_CALL_BEGIN}{name}{TOOL_SEP}{arguments}"
        f"{TOOL_CALL_END}{TOOL_CALLS_END}"
    )
    message = parse_v31(text)
    assert message["tool_calls"][0]["function"]["arguments"] == arguments
    return message


@pytest.mark.parametrize("arguments", HOSTILE.values(), ids=HOSTILE.keys())
def test_decode_arguments_never_raises(arguments: str) -> None:
    value, problem = decode_arguments(arguments)
    assert value is None and isinstance(problem, str) and len(problem) < 1000


def test_decode_arguments_passes_good_ones() -> None:
    assert decode_arguments('{"a": [1, {"b": 2.5}], "c": null}') == (
        {"a": [1, {"b": 2.5}], "c": None},
        None,
    )
    assert decode_arguments({"a": 1}) == ({"a": 1}, None)  # already decoded: checked only
    assert decode_arguments({"a": 10**5000})[1] is not None
    assert decode_arguments("{not json")[1].startswith("not valid JSON")


@pytest.fixture(scope="module")
def toolworld():
    return envs.make("agent_rl/ToolWorld-v0", split="all").unwrapped


@pytest.mark.parametrize("arguments", HOSTILE.values(), ids=HOSTILE.keys())
def test_toolworld_counts_an_invalid_call(toolworld, arguments: str) -> None:
    env = toolworld
    env.reset(options={"task": env.tasks[0]})
    name = env.reference_action()["tool_calls"][0]["function"]["name"]
    obs, reward, terminated, truncated, _ = env.step(_message(name, arguments))
    assert not terminated and not truncated and reward == 0.0
    [result] = obs
    assert result["role"] == "tool" and result["content"].startswith("Error:")
    assert "invalid call costs 0.1" in result["content"] and len(result["content"]) < 5000
    assert env.episode.invalid_calls == 1
    # the same call again is the repeated call it is (its key was made without raising)
    env.step(_message(name, arguments))
    assert env.episode.repeated_calls == 1 and env.episode.invalid_calls == 1


def test_toolworld_already_decoded_hostile_arguments(toolworld) -> None:
    """Arguments a policy hands over as objects: checked too (not deeper than the recursion
    limit here: `AgentEnv.step` deep-copies the message first)."""
    env = toolworld
    env.reset(options={"task": env.tasks[0]})
    name = env.reference_action()["tool_calls"][0]["function"]["name"]
    deep: list = []
    for _ in range(150):
        deep = [deep]
    for arguments in ({"x": 10**5000}, {"x": deep}):
        message = {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c0", "type": "function", "function": {"name": name, "arguments": arguments}}
            ],
        }
        _, _, terminated, _, _ = env.step(message)
        assert not terminated
    assert env.episode.invalid_calls == 2


@pytest.fixture(scope="module")
def function_call():
    env = envs.make("agent_rl/FunctionCall-v0", split="all").unwrapped
    return env, next(t for t in env.tasks if t.target.category == "simple")


def _score(env, task, arguments: str) -> tuple[float, dict]:
    env.reset(options={"task": task})
    name = env.reference_action()["tool_calls"][0]["function"]["name"]
    _, reward, terminated, _, info = env.step(_message(name, arguments))
    assert terminated
    return reward, info["score"]


@pytest.mark.parametrize("arguments", HOSTILE.values(), ids=HOSTILE.keys())
def test_function_call_scores_like_invalid_json(function_call, arguments: str) -> None:
    env, task = function_call
    reward, score = _score(env, task, arguments)
    invalid_reward, invalid_score = _score(env, task, "{not json")
    assert reward == invalid_reward == 0.0
    assert score["details"]["error_type"] == invalid_score["details"]["error_type"]
    assert score["details"]["error_type"] == "ast_decoder:decoder_failed"
    assert score["components"]["schema_valid"] == 0.0
    assert all(len(c) < 5000 for c in score["details"]["invalid_calls"])
