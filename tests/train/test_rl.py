"""Each algorithm runs a few real steps of the default env on the tiny model."""

from __future__ import annotations

import json

import pytest

from agent_rl.train.config import load_config
from agent_rl.train.rl import RLTrainer

from .conftest import small_overrides


@pytest.mark.parametrize("algo", ["grpo", "ppo", "dapo", "gspo"])
def test_algorithm_runs_on_default_env(algo, tiny, tmp_path):
    make, tok, cf = tiny
    over = small_overrides(tmp_path, **{"rl.algo": algo, "stages": "rl"})
    if algo == "grpo":
        over.update({"rl.kl_coef": 0.05, "rl.mini_batches": 2, "rl.micro_batch_size": 1})
    if algo == "dapo":
        over.update({"rl.max_sampling_rounds": 1})
    cfg = load_config(None, over)
    model = make()
    trainer = RLTrainer(cfg, model, tok, cf, tmp_path / "rl")
    # An untrained model scores 0 everywhere (zero advantages, nothing to learn); shift the
    # env's rewards by the sample index so every group has a signal, as a half-solved env does.
    score = trainer._score

    def varied(trajs, rnd, step):
        t, r, g = score(trajs, rnd, step)
        return t, [x + 0.5 * (tr.sample % 2) for x, tr in zip(r, t, strict=True)], g

    trainer._score = varied
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    result = trainer.train()
    recs = [json.loads(x) for x in (tmp_path / "rl" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in recs if r["step"] > 0]
    assert [r["step"] for r in steps] == [1, 2]
    for r in steps:
        assert "reward/mean" in r and "response/length" in r
        assert 0.0 <= r["response/tool_use"] <= 1.0
        if not r.get("train/skipped"):
            assert "actor/pg_loss" in r and "actor/entropy" in r and "actor/grad_norm" in r
    assert not any(r.get("train/skipped") for r in steps)
    changed = any(not (before[k] == v).all() for k, v in model.named_parameters() if k in before)
    assert changed, "an update step must move the weights"
    if algo == "ppo":
        assert all("critic/vf_loss" in r for r in steps)
        assert (
            tmp_path / "rl" / "checkpoints" / "step_000002" / "model" / "value_head.safetensors"
        ).is_file()
    if algo == "grpo":
        assert all("actor/kl" in r for r in steps)
    if algo == "dapo":
        assert all("dapo/kept_groups" in r for r in steps)
    assert result["eval_before"]["eval/episodes"] == 2
    assert "eval/success" in result["eval_after"] and "eval/tool_use" in result["eval_after"]
    assert (tmp_path / "rl" / "checkpoints" / "step_000002" / "COMPLETE").is_file()
