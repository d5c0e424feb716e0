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


def test_doing_nothing_solves_only_the_no_call_tasks() -> None:
    env = envs.make("agent_rl/FunctionCall-v0", split="all").unwrapped
    solved = []
    for task in env.tasks:
        env.reset(options={"task": task})
        _, reward, *_ = env.step({"role": "assistant", "content": "I cannot help."})
        if reward == 1.0:
            solved.append(task.target.category)
    assert solved and set(solved) == {"irrelevance"}


def test_task_files_with_bad_tool_schemas_name_file_line_and_field(tmp_path) -> None:
    import pytest
    from agent_rl.envs.function_call.fc_env import FunctionCallEnv, load_tasks

    from agent_rl.errors import DataError

    good = FunctionCallEnv(split="all").tasks[0].to_dict()
    bad = json.loads(json.dumps(good))
    bad["id"] = "bad"
    bad["metadata"]["functions"][0]["parameters"]["properties"]["x"] = {
        "type": "string",
        "minLength": "two",
    }
    path = tmp_path / "fc.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(DataError) as err:
        load_tasks(path)
    assert (err.value.path, err.value.line, err.value.key) == (str(path), 2, "metadata.functions.0")
    assert "invalid JSON schema" in str(err.value)
    path.write_text(json.dumps(good) + "\n")
    assert len(FunctionCallEnv(split="all", source=path).tasks) == 1
