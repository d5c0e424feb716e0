"""Held-out evaluation means what it says: for every registered env, the tasks the trainer
evaluates on (the held-out env) are not tasks it trains on (the training env)."""

from __future__ import annotations

import json

import pytest

from agent_rl import envs
from agent_rl.train.config import held_out_kwargs, load_config, train_env_kwargs


def _tasks(env_id: str, kwargs: dict) -> list:
    env = envs.make(env_id, **kwargs)
    try:
        return list(env.tasks)
    finally:
        env.close()


def _key(task) -> str:
    """What makes two tasks the same problem: the prompt and the expected result."""
    return json.dumps([task.prompt, task.to_dict().get("target"), task.answer], sort_keys=True)


@pytest.mark.parametrize("env_id", envs.list_envs())
def test_held_out_tasks_are_disjoint_from_training_tasks(env_id):
    cfg = load_config(None, {"env.id": env_id})
    train_kw, test_kw = train_env_kwargs(cfg), held_out_kwargs(cfg)
    assert train_kw.get("split") == "train" and test_kw.get("split") == "test", (train_kw, test_kw)
    train, test = _tasks(env_id, train_kw), _tasks(env_id, test_kw)
    assert train and test, f"{env_id}: an empty split ({len(train)} train, {len(test)} test)"
    assert not {t.id for t in train} & {t.id for t in test}
    seen = {_key(t) for t in train}
    repeated = [t.id for t in test if _key(t) in seen]
    assert not repeated, f"{len(repeated)} test tasks repeat a training task: {repeated[:5]}"
    # Stricter: no held-out prompt was seen in training, even over another state, bug or
    # toolset (splits go by the problem a task poses, `split_key`, not by its id).
    prompts = {t.prompt for t in train}
    shared = [t.id for t in test if t.prompt in prompts]
    assert not shared, f"{len(shared)} test tasks open with a training prompt: {shared[:5]}"


def test_the_env_decides_and_the_user_can_override():
    cfg = load_config(None, {"env.id": "agent_rl/Math-v0", "env.eval_kwargs": {"split": "all"}})
    assert held_out_kwargs(cfg) == {"split": "all"}
    cfg = load_config(None, {"env.id": "agent_rl/Math-v0", "env.kwargs": {"split": "all"}})
    assert train_env_kwargs(cfg) == {"split": "all"}
