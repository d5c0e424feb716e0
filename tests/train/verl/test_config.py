"""Every algorithm in every mode composes with verl's own Hydra config and passes its checks."""

from __future__ import annotations

import subprocess

import pytest

from agent_rl.errors import ConfigError
from agent_rl.train.verl.check import check_config
from agent_rl.train.verl.config import ALGOS, ENTRY_POINTS, SEARCHPATH_OVERRIDE, VerlRunConfig

EXPECTED = {
    "grpo": {"algorithm.adv_estimator=grpo", "actor_rollout_ref.actor.use_kl_loss=true"},
    "ppo": {"algorithm.adv_estimator=gae", "critic.enable=true", "actor_rollout_ref.rollout.n=1"},
    "dapo": {
        "actor_rollout_ref.actor.clip_ratio_high=0.28",
        "algorithm.filter_groups.enable=true",
        "reward.reward_manager.name=dapo",
        "+reward.reward_kwargs.overlong_buffer_cfg.enable=true",
    },
    "gspo": {"actor_rollout_ref.actor.policy_loss.loss_mode=gspo"},
    "rm_ppo": {"algorithm.adv_estimator=gae", "reward.reward_model.enable=true"},
}


def run_config(tmp_path, algo: str, mode: str, **kw) -> VerlRunConfig:
    from agent_rl.models import tiny_model_path

    model = str(tiny_model_path())
    return VerlRunConfig(
        model_path=model,
        data_dir=str(tmp_path / "data"),
        agent_loop_config=str(tmp_path / "agent_loops.yaml"),
        algo=algo,
        mode=mode,
        reward_model_path=model if algo == "rm_ppo" else None,
        **kw,
    )


@pytest.mark.parametrize("mode", list(ENTRY_POINTS))
@pytest.mark.parametrize("algo", list(ALGOS))
def test_composes_and_validates(tmp_path, algo, mode):
    run = run_config(tmp_path, algo, mode)
    overrides = run.overrides()
    assert EXPECTED[algo] <= set(overrides)
    assert (SEARCHPATH_OVERRIDE in overrides) == (mode == "one_step_off")
    config = check_config(mode, overrides)
    assert config.algorithm.adv_estimator == run.estimator
    assert config.actor_rollout_ref.rollout.agent.agent_loop_config_path.endswith(
        "agent_loops.yaml"
    )
    if mode == "fully_async":
        assert config.async_training.partial_rollout is True
        assert config.data.train_batch_size == 0
    if mode != "sync":
        assert config.actor_rollout_ref.hybrid_engine is False
    if algo == "dapo":
        assert config.reward.reward_kwargs.overlong_buffer_cfg.enable is True
    # the reward model scores only when no custom reward function is set (verl's RewardLoopWorker)
    custom = config.reward.custom_reward_function.path
    assert (custom is None) == (algo == "rm_ppo")


def test_nodes_and_gpus_map_to_verl(tmp_path):
    config = check_config(
        "sync", run_config(tmp_path, "grpo", "sync", nodes=4, gpus_per_node=8).overrides()
    )
    assert (config.trainer.nnodes, config.trainer.n_gpus_per_node) == (4, 8)
    off = run_config(
        tmp_path, "grpo", "one_step_off", nodes=2, gpus_per_node=8, rollout_gpus_per_node=2
    )
    with pytest.raises(AssertionError, match="divisible"):  # 64 x 8 samples on 2 x 6 trainer GPUs
        check_config("one_step_off", off.overrides())
    off.rollout_gpus_per_node = 4
    config = check_config("one_step_off", off.overrides())
    assert (config.trainer.n_gpus_per_node, config.rollout.n_gpus_per_node) == (4, 4)
    assert (config.trainer.nnodes, config.rollout.nnodes) == (2, 2)


def test_a_bad_batch_is_caught_by_verl(tmp_path):
    run = run_config(tmp_path, "grpo", "sync", train_batch_size=4, ppo_mini_batch_size=16)
    with pytest.raises(ValueError, match="ppo_mini_batch_size"):
        check_config("sync", run.overrides())


def test_small_dataset_fits_the_batch(tmp_path):
    run = run_config(tmp_path, "grpo", "sync", gpus_per_node=8)
    run.fit_batch(28)
    assert run.train_batch_size == 28 and (28 * run.group_size) % 8 == 0
    check_config("sync", run.overrides())


@pytest.mark.parametrize(
    ("kw", "key"),
    [({"algo": "sft"}, "algo"), ({"mode": "async"}, "mode"), ({"algo": "grpo", "n": 1}, "n")],
)
def test_bad_choices_name_the_key(tmp_path, kw, key):
    with pytest.raises(ConfigError) as err:
        run_config(tmp_path, **{"algo": "grpo", "mode": "sync", **kw})
    assert err.value.key == key
    with pytest.raises(ConfigError, match="reward model"):
        run_config(tmp_path, "grpo", "sync").__class__(
            model_path="m", data_dir="d", agent_loop_config="a", algo="rm_ppo"
        )


@pytest.mark.slow
def test_run_sh_prints_verls_config_without_ray(tmp_path):
    from agent_rl.train.verl.launch import prepare_run

    prepared = prepare_run(
        "agent_rl/Math-v0",
        tmp_path / "run",
        model_path="/models/m",
        algo="dapo",
        mode="one_step_off",
    )
    result = subprocess.run(
        ["bash", str(prepared.script), "trainer.total_epochs=3", "--cfg", "job"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import yaml

    composed = yaml.safe_load(result.stdout)
    assert composed["algorithm"]["adv_estimator"] == "grpo"
    assert composed["trainer"]["total_epochs"] == 3  # extra arguments reach verl and win
    assert composed["actor_rollout_ref"]["actor"]["clip_ratio_high"] == 0.28
    from agent_rl.train.verl.launch import launch_run

    assert launch_run(prepared, ["--cfg", "job"]) == 0  # the non-dry-run path runs the same script
