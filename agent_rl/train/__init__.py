"""Local training on one machine: GRPO, PPO, DAPO, GSPO, SFT and DPO with verl's algorithms.

    from agent_rl.train import load_config, run_pipeline
    summary = run_pipeline(load_config("configs/calculator_grpo.yaml", ["rl.steps=20"]))

Advantages, policy losses, KL penalties and value losses come from
`verl.trainer.ppo.core_algos` (see `agent_rl.train.algos`); rollouts come from
`agent_rl.rollout`, so the local trainer and the verl backend share envs, chat format and
rewards. Modules load lazily: importing this package does not import torch or verl.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "TrainConfig": "agent_rl.train.config",
    "ModelConfig": "agent_rl.train.config",
    "EnvConfig": "agent_rl.train.config",
    "RolloutConfig": "agent_rl.train.config",
    "RLConfig": "agent_rl.train.config",
    "SFTConfig": "agent_rl.train.config",
    "DPOConfig": "agent_rl.train.config",
    "EvalConfig": "agent_rl.train.config",
    "CheckpointConfig": "agent_rl.train.config",
    "ALGOS": "agent_rl.train.config",
    "STAGES": "agent_rl.train.config",
    "load_config": "agent_rl.train.config",
    "apply_overrides": "agent_rl.train.config",
    "from_dict": "agent_rl.train.config",
    "validate": "agent_rl.train.config",
    "run_pipeline": "agent_rl.train.pipeline",
    "RunDir": "agent_rl.train.run",
    "default_run_dir": "agent_rl.train.run",
    "latest_model": "agent_rl.train.run",
    "resolve_model": "agent_rl.train.run",
    "DivergenceGuard": "agent_rl.train.guard",
    "DivergenceError": "agent_rl.train.guard",
    "held_out_kwargs": "agent_rl.train.config",
    "train_env_kwargs": "agent_rl.train.config",
    "apply_env_settings": "agent_rl.train.config",
    "RLTrainer": "agent_rl.train.rl",
    "train_sft": "agent_rl.train.sft",
    "sft_loss": "agent_rl.train.sft",
    "sft_examples": "agent_rl.train.sft",
    "oracle_examples": "agent_rl.train.sft",
    "train_dpo": "agent_rl.train.dpo",
    "dpo_loss": "agent_rl.train.dpo",
    "Example": "agent_rl.train.data",
    "PreferencePair": "agent_rl.train.data",
    "load_tokenized": "agent_rl.train.data",
    "load_conversations": "agent_rl.train.data",
    "load_trajectories": "agent_rl.train.data",
    "load_pairs": "agent_rl.train.data",
    "without_tool_turns": "agent_rl.train.data",
    "CheckpointManager": "agent_rl.train.checkpoint",
    "load_checkpoint": "agent_rl.train.checkpoint",
    "MetricsLogger": "agent_rl.train.metrics",
    "NonFiniteLossError": "agent_rl.train.metrics",
    "plot_metrics": "agent_rl.train.metrics",
    "load_policy": "agent_rl.train.modeling",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_LAZY)
