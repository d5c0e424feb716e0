"""The divergence guard warns or stops on a reward collapse, an entropy near uniform and a
runaway KL; the plots stay readable."""

from __future__ import annotations

import math

import pytest

from agent_rl.train.config import load_config
from agent_rl.train.guard import DivergenceError, DivergenceGuard
from agent_rl.train.rl import RLTrainer

from .conftest import small_overrides


def test_held_out_collapse_warns_then_stops():
    guard = DivergenceGuard("warn")
    assert guard.check(0, {"eval/success": 1.0}) == []
    assert guard.check(1, {"eval/success": 0.9}) == []
    found = guard.check(2, {"eval/success": 0.0})
    assert found and "collapsed from 1.00 to 0.00" in found[0]
    assert guard.warnings and "rl step 2" in guard.warnings[0]
    stop = DivergenceGuard("stop")
    stop.check(0, {"eval/success": 1.0})
    with pytest.raises(DivergenceError, match=r"rl step 3.*last checkpoint: ck/step_2"):
        stop.check(3, {"eval/success": 0.1}, checkpoint="ck/step_2")
    assert DivergenceGuard("off").check(1, {"eval/success": 0.0, "actor/kl": 99.0}) == []


def test_a_policy_that_never_learned_is_not_a_collapse():
    guard = DivergenceGuard("stop")
    for step, s in enumerate([0.0, 0.1, 0.0, 0.2, 0.0]):
        guard.check(step, {"eval/success": s, "success/mean": s})
    assert guard.warnings == []


def test_training_success_entropy_and_kl():
    guard = DivergenceGuard("warn", vocab_size=1000, max_kl=0.5)
    for step in range(3):
        assert guard.check(step, {"success/mean": 0.9}) == []
    found = []
    for step in range(3, 6):
        found = guard.check(step, {"success/mean": 0.1})
    assert any("training success fell" in f for f in found)
    uniform = math.log(1000)
    assert guard.check(6, {"actor/entropy": 0.95 * uniform}) == [], "untrained: no divergence"
    assert guard.check(7, {"actor/entropy": 0.3 * uniform}) == []
    assert "near the uniform" in guard.check(8, {"actor/entropy": 0.95 * uniform})[0]
    assert "exceeds rl.max_kl=0.5" in guard.check(9, {"actor/kl": 2.0})[0]
    assert guard.check(10, {"actor/entropy": 1.0, "actor/kl": 0.1}) == []


def test_config_rejects_unknown_modes():
    from agent_rl.errors import ConfigError

    with pytest.raises(ConfigError, match=r"rl\.divergence"):
        load_config(None, ["rl.divergence=panic"])


def test_trainer_stops_on_a_held_out_collapse(tiny, tmp_path):
    """Wiring: held-out success 1.0 before RL, 0.0 at the first evaluation -> stopped."""
    make, tok, cf = tiny
    over = small_overrides(
        tmp_path, **{"stages": "rl", "rl.divergence": "stop", "eval.every": 1, "rl.steps": 2}
    )
    trainer = RLTrainer(load_config(None, over), make(), tok, cf, tmp_path / "rl")
    results = iter([{"eval/success": 1.0}, {"eval/success": 0.0}])
    trainer.evaluate = lambda episodes=None: next(results)
    with pytest.raises(DivergenceError, match=r"rl step 1: possible divergence.*1\.00 to 0\.00"):
        trainer.train()


def test_plots_skip_a_duplicate_loss_and_name_the_algorithm(tmp_path):
    from agent_rl.train.metrics import plot_metrics

    recs = [
        {
            "step": s,
            "actor/loss": 0.1 * s,
            "actor/pg_loss": 0.1 * s,
            "actor/entropy": 7.6349 + 1e-6 * s,
        }
        for s in range(1, 4)
    ]
    names = {p.name for p in plot_metrics(recs, tmp_path / "a", prefix="GRPO: ")}
    assert "actor_pg_loss.png" in names and "actor_loss.png" not in names
    recs[1]["actor/loss"] = 0.5  # a KL term makes the total differ
    names = {p.name for p in plot_metrics(recs, tmp_path / "b", prefix="GRPO: ")}
    assert "actor_loss.png" in names
