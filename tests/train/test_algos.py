"""The trainer's maths is verl's: each wrapper is checked against a direct call of
`verl.trainer.ppo.core_algos` on the same input, and the wrappers are checked to route to it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from verl.trainer.ppo import core_algos

from agent_rl.train import algos
from agent_rl.train.config import load_config


def _mask():
    # two turns: policy tokens, observation tokens (0), policy tokens again; then padding
    return torch.tensor(
        [
            [1, 1, 1, 0, 0, 1, 1, 0],
            [1, 1, 0, 0, 0, 0, 0, 0],
            [1, 1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 0, 1, 1, 0, 0],
        ],
        dtype=torch.float32,
    )


def test_grpo_advantage_equals_verl():
    mask = _mask()
    rewards = torch.tensor([1.0, 0.0, 0.5, 0.5])
    groups = ["a", "a", "b", "b"]
    ours = algos.grpo_advantages(rewards, mask, groups)
    token_rewards = torch.zeros_like(mask)
    for i, last in enumerate([6, 1, 7, 5]):
        token_rewards[i, last] = rewards[i]
    ref, _ = core_algos.compute_grpo_outcome_advantage(
        token_rewards, mask, np.array(groups, dtype=object)
    )
    torch.testing.assert_close(ours, ref)
    # group a: +/- std-normalised, group b (equal rewards): zero, observation tokens: zero
    assert ours[0, 0] > 0 > ours[1, 0]
    assert torch.all(ours[2:] == 0)
    assert torch.all(ours[mask == 0] == 0)


def test_outcome_reward_sits_on_last_policy_token():
    mask = _mask()
    r = algos.outcome_token_rewards(torch.tensor([1.0, 2.0, 3.0, 4.0]), mask)
    assert r[0, 6] == 1.0 and r[1, 1] == 2.0 and r[2, 7] == 3.0 and r[3, 5] == 4.0
    assert r.sum() == 10.0


def test_gae_equals_verl_and_skips_observation_tokens():
    torch.manual_seed(0)
    mask = _mask()
    values = torch.randn(4, 8)
    rewards = torch.tensor([1.0, 0.0, 1.0, 0.0])
    adv, ret = algos.gae_advantages(rewards, values, mask, 1.0, 0.95)
    tr = algos.outcome_token_rewards(rewards, mask)
    ref_adv, ref_ret = core_algos.compute_gae_advantage_return(tr, values, mask, 1.0, 0.95)
    torch.testing.assert_close(adv, ref_adv)
    torch.testing.assert_close(ret, ref_ret)


@pytest.mark.parametrize("algo", ["grpo", "dapo", "gspo", "ppo"])
def test_policy_loss_is_verls(algo, monkeypatch):
    rl = load_config(None, [f"rl.algo={algo}"]).rl
    cfg = algos.actor_config(rl)
    torch.manual_seed(1)
    mask = _mask()
    old = torch.randn(4, 8) * 0.1 - 2
    new = (old + torch.randn(4, 8) * 0.3).requires_grad_()
    adv = torch.randn(4, 8)
    loss, metrics = algos.policy_loss(old, new, adv, mask, cfg)
    name = "gspo" if algo == "gspo" else "vanilla"
    direct = core_algos.get_policy_loss_fn(name)
    ref, _ = direct(old, new, adv, mask, loss_agg_mode=rl.loss_agg_mode, config=cfg)
    torch.testing.assert_close(loss, ref)
    assert "actor/pg_clipfrac" in metrics
    # the wrapper dispatches through verl's registry (a patched entry is what gets called)
    calls = []

    def spy(*a, **k):
        calls.append(name)
        return direct(*a, **k)

    monkeypatch.setitem(core_algos.POLICY_LOSS_REGISTRY, name, spy)
    algos.policy_loss(old, new, adv, mask, cfg)
    assert calls == [name]


def test_clip_higher_changes_the_loss():
    torch.manual_seed(2)
    mask = torch.ones(2, 4)
    old = torch.zeros(2, 4)
    new = torch.full((2, 4), 0.25)  # ratio 1.28 > 1.2
    adv = torch.ones(2, 4)
    grpo = algos.policy_loss(
        old, new, adv, mask, algos.actor_config(load_config(None, ["rl.algo=grpo"]).rl)
    )[0]
    dapo = algos.policy_loss(
        old, new, adv, mask, algos.actor_config(load_config(None, ["rl.algo=dapo"]).rl)
    )[0]
    assert float(grpo) == pytest.approx(-1.2)
    assert float(dapo) == pytest.approx(-1.28, rel=1e-3)


def test_kl_and_value_loss_are_verls():
    torch.manual_seed(3)
    mask = _mask()
    lp, ref = torch.randn(4, 8), torch.randn(4, 8)
    torch.testing.assert_close(
        algos.kl_penalty(lp, ref, "low_var_kl"), core_algos.kl_penalty(lp, ref, "low_var_kl")
    )
    v, ret, old = torch.randn(4, 8), torch.randn(4, 8), torch.randn(4, 8)
    ours = algos.value_loss(v, ret, old, mask, 0.5, "token-mean")
    theirs = core_algos.compute_value_loss(v, ret, old, mask, 0.5, "token-mean")
    torch.testing.assert_close(ours[0], theirs[0])


def test_overlong_penalty_and_dynamic_sampling():
    assert algos.overlong_penalty(10, 48, 16, 1.0) == 0.0
    assert algos.overlong_penalty(32, 48, 16, 1.0) == 0.0
    assert algos.overlong_penalty(40, 48, 16, 1.0) == pytest.approx(-0.5)
    assert algos.overlong_penalty(48, 48, 16, 1.0) == pytest.approx(-1.0)
    assert algos.overlong_penalty(48, 48, 0, 1.0) == 0.0
    keep = algos.dynamic_sampling_keep([1, 1, 0, 1, 0, 0], ["a", "a", "b", "b", "c", "c"])
    assert keep == [False, False, True, True, False, False]
