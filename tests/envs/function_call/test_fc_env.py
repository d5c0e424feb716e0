"""FunctionCall-v0: generated BFCL-shaped tasks graded by the project's BFCL checker."""

from __future__ import annotations

import json

from gymnasium.utils.env_checker import check_env

from agent_rl import envs


def _answer(*calls: tuple[str, dict]) -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for i, (n, a) in enumerate(calls)
        ],
    }


def test_check_env_validate_and_split() -> None:
    train = envs.make("agent_rl/FunctionCall-v0").unwrapped
    test = envs.make("agent_rl/FunctionCall-v0", split="test").unwrapped
    check_env(train)
    assert train.validate().ok and test.validate().ok
    assert not {t.id for t in train.tasks} & {t.id for t in test.tasks}
    assert all(t.id.startswith("fc-") for t in train.tasks)  # generated, never BFCL's data
    cats = {t.target.category for t in train.tasks}
    assert cats == {"simple", "multiple", "parallel", "parallel_multiple", "irrelevance"}


def test_grading_follows_bfcl_rules() -> None:
    env = envs.make("agent_rl/FunctionCall-v0", split="all").unwrapped
    task = next(t for t in env.tasks if t.target.category == "parallel")
    env.reset(options={"task": task})
    ref = env.reference_action()
    swapped = dict(ref, tool_calls=ref["tool_calls"][::-1])  # order-free
    _, reward, *_ = env.step(swapped)
    assert reward == 1.0
    env.reset(options={"task": task})
    _, reward, _, _, info = env.step(dict(ref, tool_calls=ref["tool_calls"][:1]))
    assert reward == 0.0 and "wrong_count" in info["score"]["details"]["error_type"]
    irrelevant = next(t for t in env.tasks if t.target.category == "irrelevance")
    env.reset(options={"task": irrelevant})
    name = irrelevant.metadata["functions"][0]["name"]
    _, reward, _, _, info = env.step(_answer((name, {"bogus": 1})))
    assert reward == 0.0 and info["score"]["components"]["schema_valid"] == 0.0
    assert "invalid arguments" in info["score"]["details"]["invalid_calls"][0]
