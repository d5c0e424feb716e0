"""Compose a run's overrides with verl's own Hydra config and run verl's validation, no Ray.

`compose_config` is what `python -m <entry point> <overrides> --cfg job` prints; `check_config`
adds what the entry point does before it starts Ray: the off-policy modes copy the rollout's
resources into `actor_rollout_ref.rollout`, then `verl.utils.config.validate_config` (batch
arithmetic, micro batches, actor and critic configs) and verl's dataclass conversion of the
rollout, algorithm and reward-model sections (verl 0.9.1's `RewardManagerConfig` cannot be
built as a dataclass at all, so verl itself never converts `reward`). Importing this module does not import verl; calling it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent_rl.train.verl.config import CONFIG_NAMES, SEARCHPATH_OVERRIDE


def compose_config(mode: str, overrides: Sequence[str]) -> Any:
    """verl's composed `DictConfig` for `mode` (`sync`, `one_step_off`, `fully_async`)."""
    import importlib
    from pathlib import Path

    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    package, name = CONFIG_NAMES[mode]
    # The entry point's own `config/` folder, as `@hydra.main(config_path="config")` finds it.
    config_dir = Path(importlib.import_module(package).__file__ or "").parent / "config"
    # The searchpath override is for the command line; `compose` gets it as a Hydra override too.
    ov = [o for o in overrides if o != SEARCHPATH_OVERRIDE]
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return compose(
            config_name=name,
            overrides=ov + ([SEARCHPATH_OVERRIDE] if mode == "one_step_off" else []),
        )


def check_config(mode: str, overrides: Sequence[str]) -> Any:
    """Compose and validate as the entry point would; returns the config, raises on a bad one.

    `sync` and `one_step_off` run `verl.utils.config.validate_config` as their mains do. The
    fully async main does not (its data.train_batch_size must be 0, which validate_config
    refuses); it checks what `FullyAsyncRollouter` asserts at start-up and validates the actor
    against the batch its trainer consumes per step (`ppo_mini_batch_size * require_batches`).
    """
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import omega_conf_to_dataclass, validate_config

    config = compose_config(mode, overrides)
    if mode != "sync":
        config.actor_rollout_ref.rollout.nnodes = config.rollout.nnodes
        config.actor_rollout_ref.rollout.n_gpus_per_node = config.rollout.n_gpus_per_node
    if mode == "fully_async":
        _check_fully_async(config)
    else:
        validate_config(
            config=config,
            use_reference_policy=need_reference_policy(config),
            use_critic=need_critic(config),
        )
    omega_conf_to_dataclass(config.actor_rollout_ref.rollout)
    omega_conf_to_dataclass(config.algorithm)
    if config.reward.reward_model.enable:
        omega_conf_to_dataclass(config.reward.reward_model)
    return config


def _check_fully_async(config: Any) -> None:
    from verl.utils.config import omega_conf_to_dataclass

    problems = []
    if config.actor_rollout_ref.hybrid_engine:
        problems.append("actor_rollout_ref.hybrid_engine must be false")
    if config.data.train_batch_size != 0:
        problems.append("data.train_batch_size must be 0")
    if config.data.gen_batch_size != 1:
        problems.append("data.gen_batch_size must be 1")
    if config.async_training.staleness_threshold < 0:
        problems.append("async_training.staleness_threshold must be >= 0")
    if config.async_training.trigger_parameter_sync_step < 1:
        problems.append("async_training.trigger_parameter_sync_step must be >= 1")
    if not config.actor_rollout_ref.rollout.calculate_log_probs:
        problems.append("actor_rollout_ref.rollout.calculate_log_probs must be true")
    if config.reward.reward_model.enable and not config.reward.reward_model.enable_resource_pool:
        problems.append("a reward model needs reward.reward_model.enable_resource_pool=true")
    if problems:
        raise ValueError("fully async config: " + "; ".join(problems))
    n_gpus = config.trainer.n_gpus_per_node * config.trainer.nnodes
    per_step = (
        config.actor_rollout_ref.actor.ppo_mini_batch_size * config.async_training.require_batches
    )
    actor = omega_conf_to_dataclass(config.actor_rollout_ref.actor)
    actor.validate(n_gpus, per_step, config.actor_rollout_ref.model)
    if config.critic.enable:
        omega_conf_to_dataclass(config.critic).validate(n_gpus, per_step)
