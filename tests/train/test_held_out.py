"""Held-out evaluation means what it says: for every registered env, the tasks the trainer
evaluates on (the held-out env) are not tasks it trains on (the training env)."""

from __future__ import annotations

import pytest

from agent_rl import envs
from agent_rl.train.config import held_out_kwargs, load_config, train_env_kwargs


def _tasks(env_id: str, kwargs: dict) -> list:
    env = envs.make(env_id, **kwargs)
    try:
        return list(env.tasks)
    finally:
        env.close()


#: Known leaks, reported to the env's owner; non-strict so the fix turns them green.
KNOWN_LEAKS = {
    "agent_rl/SearchSession-v0": "21 of 50 test sessions open with the first question of a "
    "training session (same answer, other follow-ups): the split is by session id, not by "
    "question",
}


@pytest.mark.parametrize(
    "env_id",
    [
        pytest.param(e, marks=pytest.mark.xfail(reason=KNOWN_LEAKS[e], strict=False))
        if e in KNOWN_LEAKS
        else e
        for e in envs.list_envs()
    ],
)
def test_held_out_tasks_are_disjoint_from_training_tasks(env_id):
    cfg = load_config(None, {"env.id": env_id})
    train_kw, test_kw = train_env_kwargs(cfg), held_out_kwargs(cfg)
    assert train_kw.get("split") == "train" and test_kw.get("split") == "test", (train_kw, test_kw)
    train, test = _tasks(env_id, train_kw), _tasks(env_id, test_kw)
    assert train and test, f"{env_id}: an empty split ({len(train)} train, {len(test)} test)"
    assert not {t.id for t in train} & {t.id for t in test}
    assert not {t.prompt for t in train} & {t.prompt for t in test}, "same problem, other id"


def test_the_env_decides_and_the_user_can_override():
    cfg = load_config(None, {"env.id": "agent_rl/Math-v0", "env.eval_kwargs": {"split": "all"}})
    assert held_out_kwargs(cfg) == {"split": "all"}
    cfg = load_config(None, {"env.id": "agent_rl/Math-v0", "env.kwargs": {"split": "all"}})
    assert train_env_kwargs(cfg) == {"split": "all"}
