"""The RL maths, taken from verl (`verl.trainer.ppo.core_algos`) rather than rewritten.

The local trainer and the verl cluster backend must compute the same advantages and losses,
so this module only adapts shapes and configs to verl's functions: GRPO outcome advantages,
GAE, the vanilla (PPO-clip, dual-clip, clip-higher) and GSPO policy losses, `agg_loss`,
`kl_penalty` and the clipped value loss. What verl keeps outside `core_algos` is small and
written here with a pointer: DAPO's soft overlong penalty (verl's DAPO reward manager) and
its dynamic-sampling filter (verl's `filter_groups` in the DAPO trainer).

verl's policy-loss functions read their clip ratios from a `verl.workers.config.ActorConfig`;
`actor_config()` builds the minimal valid one, and gradient accumulation goes through its
`global_batch_info` exactly as verl's own actor does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from verl.trainer.ppo import core_algos
from verl.utils import torch_functional as verl_F
from verl.workers.config.actor import ActorConfig, PolicyLossConfig

from agent_rl.train.config import RLConfig

__all__ = [
    "actor_config",
    "agg_loss",
    "dynamic_sampling_keep",
    "entropy_from_logits",
    "gae_advantages",
    "grpo_advantages",
    "kl_penalty",
    "logprobs_from_logits",
    "outcome_token_rewards",
    "overlong_penalty",
    "policy_loss",
    "value_loss",
]


def actor_config(rl: RLConfig) -> ActorConfig:
    """The minimal verl `ActorConfig` its policy-loss functions read (clip ratios, agg mode)."""
    loss_mode = "gspo" if rl.algo == "gspo" else "vanilla"
    return ActorConfig(
        strategy="fsdp",  # required by verl's validation; unused by the loss functions
        rollout_n=rl.group_size,
        ppo_micro_batch_size_per_gpu=rl.micro_batch_size,
        ppo_mini_batch_size=max(1, rl.tasks_per_step // rl.mini_batches),
        clip_ratio=rl.clip_ratio,
        clip_ratio_low=rl.clip_ratio_low,
        clip_ratio_high=rl.clip_ratio_high,
        clip_ratio_c=rl.clip_ratio_c,
        loss_agg_mode=rl.loss_agg_mode or "token-mean",
        entropy_coeff=rl.entropy_coef,
        use_kl_loss=rl.kl_coef > 0,
        kl_loss_coef=rl.kl_coef,
        kl_loss_type=rl.kl_type,
        ppo_epochs=rl.ppo_epochs,
        policy_loss=PolicyLossConfig(loss_mode=loss_mode),
        use_torch_compile=False,
    )


def outcome_token_rewards(rewards: torch.Tensor, response_mask: torch.Tensor) -> torch.Tensor:
    """Place each episode's scalar reward on its last trained token (verl's layout)."""
    token_rewards = torch.zeros_like(response_mask, dtype=torch.float32)
    positions = torch.arange(response_mask.shape[1], device=response_mask.device)
    last = torch.where(response_mask > 0, positions, -1).max(dim=1).values
    rows = torch.nonzero(last >= 0).squeeze(-1)
    token_rewards[rows, last[rows]] = rewards[rows].float()
    return token_rewards


def grpo_advantages(
    rewards: torch.Tensor,
    response_mask: torch.Tensor,
    groups: Sequence[Any],
    norm_adv_by_std: bool = True,
) -> torch.Tensor:
    """verl's GRPO outcome advantage: (r - group mean) / group std on every trained token."""
    token_rewards = outcome_token_rewards(rewards, response_mask)
    adv, _ = core_algos.compute_grpo_outcome_advantage(
        token_level_rewards=token_rewards,
        response_mask=response_mask.float(),
        index=np.asarray(list(groups), dtype=object),
        norm_adv_by_std_in_grpo=norm_adv_by_std,
    )
    return adv


def gae_advantages(
    rewards: torch.Tensor,
    values: torch.Tensor,
    response_mask: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """verl's GAE (skips observation tokens of multi-turn episodes): (advantages, returns)."""
    token_rewards = outcome_token_rewards(rewards, response_mask)
    return core_algos.compute_gae_advantage_return(
        token_level_rewards=token_rewards,
        values=values.float(),
        response_mask=response_mask.float(),
        gamma=gamma,
        lam=lam,
    )


def policy_loss(
    old_logprobs: torch.Tensor,
    logprobs: torch.Tensor,
    advantages: torch.Tensor,
    response_mask: torch.Tensor,
    config: ActorConfig,
) -> tuple[torch.Tensor, dict[str, float]]:
    """verl's policy loss for the config's mode (`vanilla` or `gspo`)."""
    fn = core_algos.get_policy_loss_fn(config.policy_loss.loss_mode)
    return fn(
        old_log_prob=old_logprobs,
        log_prob=logprobs,
        advantages=advantages,
        response_mask=response_mask,
        loss_agg_mode=config.loss_agg_mode,
        config=config,
    )


def agg_loss(
    loss_mat: torch.Tensor, mask: torch.Tensor, mode: str, **global_batch_info: Any
) -> torch.Tensor:
    return core_algos.agg_loss(
        loss_mat=loss_mat, loss_mask=mask, loss_agg_mode=mode, **global_batch_info
    )


def kl_penalty(logprobs: torch.Tensor, ref_logprobs: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-token KL estimate to the reference (verl's k1/k2/k3 estimators)."""
    return core_algos.kl_penalty(logprobs, ref_logprobs, kind)


def value_loss(
    vpreds: torch.Tensor,
    returns: torch.Tensor,
    old_values: torch.Tensor,
    response_mask: torch.Tensor,
    cliprange_value: float,
    mode: str,
    **global_batch_info: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """verl's clipped value loss: (loss, clip fraction)."""
    return core_algos.compute_value_loss(
        vpreds=vpreds,
        returns=returns,
        values=old_values,
        response_mask=response_mask,
        cliprange_value=cliprange_value,
        loss_agg_mode=mode,
        **global_batch_info,
    )


def logprobs_from_logits(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return verl_F.logprobs_from_logits(logits, labels)


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    return verl_F.entropy_from_logits(logits)


def overlong_penalty(response_tokens: int, max_tokens: int, buffer: int, factor: float) -> float:
    """DAPO's soft overlong punishment (verl `reward_manager/dapo.py`): 0 until `max - buffer`
    tokens, then falling linearly to `-factor` at `max`."""
    if buffer <= 0:
        return 0.0
    expected = max_tokens - buffer
    exceed = response_tokens - expected
    return min(-exceed / buffer * factor, 0.0)


def dynamic_sampling_keep(rewards: Sequence[float], groups: Sequence[Any]) -> list[bool]:
    """DAPO's dynamic sampling (verl `filter_groups`): keep only groups whose rewards differ,
    since a group of equal rewards has zero GRPO advantage and only dilutes the batch."""
    by_group: dict[Any, list[float]] = {}
    for r, g in zip(rewards, groups, strict=True):
        by_group.setdefault(g, []).append(float(r))
    informative = {g for g, rs in by_group.items() if len(rs) > 1 and float(np.std(rs)) > 0}
    return [g in informative for g in groups]
