"""Direct preference optimisation: the sigmoid loss against a frozen reference.

For a pair sharing a prompt, with `log pi(y|x)` summed over the assistant tokens (the chat
format's loss mask), the implicit rewards are `beta * (log pi - log pi_ref)` and the loss is
`-log sigmoid(r_chosen - r_rejected)` (Rafailov et al., 2023). verl has no offline DPO
trainer, so this is the one place the loss is written out; it reuses the same batch layout and
logprob code as SFT and RL. Logged: loss, reward margin (chosen minus rejected) and accuracy
(fraction of pairs with a positive margin).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from agent_rl.chat_format.tokenizer import atomic_build_dir
from agent_rl.train.batch import forward, make_batch
from agent_rl.train.common import Stage, StepCallback, build_optimizer, build_scheduler
from agent_rl.train.config import TrainConfig
from agent_rl.train.data import PreferencePair, load_pairs
from agent_rl.train.modeling import autocast, frozen_copy, load_weights, save_model

log = logging.getLogger(__name__)


def sequence_logprobs(
    model: Any, pairs: Sequence[PreferencePair], pad: int, device: Any
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed masked logprobs of chosen and rejected continuations: (chosen, rejected)."""
    prompts = [p.prompt_ids for p in pairs] * 2
    responses = [p.chosen_ids for p in pairs] + [p.rejected_ids for p in pairs]
    masks = [p.chosen_mask for p in pairs] + [p.rejected_mask for p in pairs]
    batch = make_batch(prompts, responses, masks, pad).to(device)
    out = forward(model, batch)
    summed = (out.logprobs * batch.response_mask).sum(-1)
    n = len(pairs)
    return summed[:n], summed[n:]


def dpo_loss(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-pair sigmoid DPO loss and the implicit rewards (chosen, rejected)."""
    r_c = beta * (policy_chosen - ref_chosen)
    r_r = beta * (policy_rejected - ref_rejected)
    return -F.logsigmoid(r_c - r_r), r_c.detach(), r_r.detach()


def train_dpo(
    cfg: TrainConfig,
    model: Any,
    tokenizer: Any,
    pairs: Sequence[PreferencePair],
    out_dir: str | Path,
    *,
    resume: bool = False,
    on_step: StepCallback | None = None,
) -> dict[str, Any]:
    """Run the DPO stage; the reference is a frozen copy of the weights it starts from."""
    dc = cfg.dpo
    stage = Stage.from_config("dpo", cfg, out_dir, on_step)
    model.to(stage.device)
    model.train()
    ref_dir = Path(out_dir) / "reference"
    ref = frozen_copy(model)
    if resume and (ref_dir / "config.json").is_file():
        # the reference is the stage's starting point, not the resumed weights
        load_weights(ref, ref_dir)
    else:
        if ref_dir.exists():  # a fresh run: the old reference belongs to another start
            shutil.rmtree(ref_dir)
        atomic_build_dir(ref_dir, lambda tmp: save_model(ref, tokenizer, tmp))
    params = [p for n, p in model.named_parameters() if not n.startswith("value_head.")]
    opt = build_optimizer(params, dc.lr, dc.weight_decay)
    sched = build_scheduler(opt, dc.schedule, dc.warmup_steps, dc.steps, dc.min_lr_ratio)
    start, _ = stage.start(model, opt, sched, resume)
    pad = int(getattr(tokenizer, "pad_token_id", None) or 0)
    pairs = [
        p
        for p in pairs
        if len(p.prompt_ids) + max(len(p.chosen_ids), len(p.rejected_ids)) <= dc.max_length
    ] or list(pairs)
    order: list[int] = []
    epoch = 0
    while len(order) < dc.steps * dc.batch_size:
        order.extend(
            np.random.default_rng(cfg.seed * 104_729 + epoch).permutation(len(pairs)).tolist()
        )
        epoch += 1
    last: dict[str, Any] = {}
    for step in range(start, dc.steps):
        t0 = time.perf_counter()
        batch = [pairs[i] for i in order[step * dc.batch_size : (step + 1) * dc.batch_size]]
        opt.zero_grad(set_to_none=True)
        losses, margins = [], []
        for m in range(0, len(batch), dc.micro_batch_size):
            micro = batch[m : m + dc.micro_batch_size]
            with torch.no_grad(), autocast(stage.device, stage.amp_dtype):
                ref_c, ref_r = sequence_logprobs(ref, micro, pad, stage.device)
            with autocast(stage.device, stage.amp_dtype):
                pol_c, pol_r = sequence_logprobs(model, micro, pad, stage.device)
            loss_vec, r_c, r_r = dpo_loss(
                pol_c.float(), pol_r.float(), ref_c.float(), ref_r.float(), dc.beta
            )
            loss = loss_vec.sum() / len(batch)
            stage.guard(step + 1, {"dpo/loss": loss, "policy_logprobs": torch.cat([pol_c, pol_r])})
            loss.backward()
            losses.extend(loss_vec.detach().tolist())
            margins.extend((r_c - r_r).tolist())
        grad_norm = torch.nn.utils.clip_grad_norm_(params, dc.max_grad_norm)
        stage.guard(step + 1, {"grad_norm": grad_norm})
        opt.step()
        sched.step()
        last = {
            "dpo/loss": float(np.mean(losses)),
            "dpo/margin": float(np.mean(margins)),
            "dpo/accuracy": float(np.mean([m > 0 for m in margins])),
            "dpo/grad_norm": float(grad_norm),
            "dpo/lr": sched.get_last_lr()[0],
            "time/step": time.perf_counter() - t0,
        }
        stage.log_step(step + 1, dc.steps, last)
        stage.maybe_checkpoint(step + 1, dc.steps, model, tokenizer, opt, sched, {})
    stage.finish()
    if stage.last_checkpoint is not None:
        last["checkpoint"] = str(stage.last_checkpoint)
    return last


@torch.no_grad()
def preference_margin(
    model: Any, ref: Any, pairs: Sequence[PreferencePair], beta: float, pad: int = 0
) -> float:
    """Mean implicit reward margin of `model` over `ref` on `pairs` (evaluation)."""
    device = next(model.parameters()).device
    pc, pr = sequence_logprobs(model, pairs, pad, device)
    rc, rr = sequence_logprobs(ref, pairs, pad, device)
    return float((beta * ((pc - rc) - (pr - rr))).mean())


def load_dpo_pairs(cfg: TrainConfig, chat_format: Any) -> list[PreferencePair]:
    """Every pair of `cfg.dpo.data`, encoded with `chat_format`."""
    pairs: list[PreferencePair] = []
    for f in cfg.dpo.data:
        pairs.extend(load_pairs(f, chat_format))
    log.info("dpo: %d pairs from %s", len(pairs), cfg.dpo.data)
    return pairs


def train_dpo_from_config(
    cfg: TrainConfig,
    model: Any,
    tokenizer: Any,
    chat_format: Any,
    out_dir: str | Path,
    *,
    resume: bool = False,
    on_step: StepCallback | None = None,
) -> dict[str, Any]:
    pairs = load_dpo_pairs(cfg, chat_format)
    return train_dpo(cfg, model, tokenizer, pairs, out_dir, resume=resume, on_step=on_step)
