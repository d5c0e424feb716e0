"""Supervised fine-tuning: masked cross-entropy over V3.1 token ids.

Only tokens whose loss mask is 1 are predicted (assistant segments through their end token),
so system/user/tool tokens are context, never targets. The loss is the token mean over the
whole mini-batch (verl's `agg_loss` "token-mean" with the mini-batch's token count), which
makes gradient accumulation over micro-batches exact.

The default warm-up data are oracle rollouts of the training env on training seeds (disjoint
from the held-out seeds evaluation uses): the same chat format, ids and masks as RL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent_rl.errors import DataError
from agent_rl.train.batch import forward, sft_batch
from agent_rl.train.common import Stage, StepCallback, build_optimizer, build_scheduler
from agent_rl.train.config import TrainConfig, train_env_kwargs
from agent_rl.train.data import Example, load_examples, trajectory_example, without_tool_turns
from agent_rl.train.modeling import autocast

log = logging.getLogger(__name__)

#: Oracle SFT seeds start here unless `sft.seed_start` says otherwise: far from RL (0..) and
#: held-out (1e6..) seeds.
ORACLE_SEED_START = 500_000


def sft_loss(
    model: torch.nn.Module,
    sequences: Sequence[Sequence[int]],
    masks: Sequence[Sequence[int]],
    pad_token_id: int = 0,
    batch_num_tokens: int | None = None,
    device: torch.device | str = "cpu",
) -> tuple[torch.Tensor, int]:
    """Masked mean negative log-likelihood of `sequences` (token-mean over `batch_num_tokens`
    when given, else over these sequences); returns (loss, trained tokens here)."""
    from agent_rl.train.algos import agg_loss

    batch = sft_batch(sequences, masks, pad_token_id).to(device)
    n_tokens = int(batch.response_mask.sum())
    out = forward(model, batch)
    loss = -agg_loss(
        out.logprobs,
        batch.response_mask,
        "token-mean",
        batch_num_tokens=batch_num_tokens or max(n_tokens, 1),
    )
    return loss, n_tokens


def oracle_examples(cfg: TrainConfig, chat_format: Any, cache: Path | None = None) -> list[Example]:
    """Oracle rollouts of `cfg.env` on training seeds; cached in `cache` (JSONL) for resume."""
    from agent_rl.rollout import OraclePolicy, RolloutEngine, read_jsonl, write_jsonl

    if cache is not None and cache.is_file():
        trajs = list(read_jsonl(cache))
    else:
        start = cfg.sft.seed_start if cfg.sft.seed_start is not None else ORACLE_SEED_START
        engine = RolloutEngine(
            cfg.env.id,
            OraclePolicy(chat_format),
            chat_format,
            cfg.rollout.limits(),
            env_kwargs=train_env_kwargs(cfg),
            thinking=cfg.env.thinking,
            concurrency=cfg.rollout.concurrency,
        )
        trajs = engine.run(seeds=list(range(start, start + cfg.sft.episodes)))
    good = [t for t in trajs if not t.failed and t.reward >= cfg.rl.success_threshold]
    if not good:
        raise DataError(
            f"the oracle solved none of {len(trajs)} episodes of {cfg.env.id}; "
            f"terminations: {sorted({t.termination for t in trajs})}",
            key="sft.source",
        )
    if cache is not None and not cache.is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        write_jsonl(trajs, tmp)
        tmp.replace(cache)
    if len(good) < len(trajs):
        log.warning(
            "oracle: %d of %d episodes were not solved; kept the solved ones",
            len(trajs) - len(good),
            len(trajs),
        )
    return _demonstrations(cfg, chat_format, good)


def _demonstrations(cfg: TrainConfig, chat_format: Any, trajs: Sequence[Any]) -> list[Example]:
    """Training examples from solved oracle episodes; a seeded `sft.drop_tool_turns` share of
    them lose their tool turns (see `without_tool_turns`)."""
    rate = cfg.sft.drop_tool_turns
    rng = np.random.default_rng(cfg.seed * 7919 + 1)
    out, dropped = [], 0
    for traj in trajs:
        short = without_tool_turns(traj.messages) if rng.random() < rate else None
        if short is None:
            out.append(trajectory_example(traj))
            continue
        enc = chat_format.encode(short, tools=traj.tools or None, thinking=cfg.env.thinking)
        out.append(Example(list(enc.input_ids), list(enc.loss_mask)))
        dropped += 1
    if rate > 0:
        log.info(
            "oracle: %d demonstrations, %d with their tool turns dropped (sft.drop_tool_turns=%g)",
            len(out),
            dropped,
            rate,
        )
    return out


def oracle_cache_name(cfg: TrainConfig) -> str:
    """`oracle-<key>.jsonl`: the key hashes everything that shapes the demonstrations (env,
    its options, limits, episodes and seeds, thinking mode, the tokenizer's model), so a
    changed config never reuses another config's cache."""
    from agent_rl.train.run import fingerprint

    ro = cfg.rollout
    key = {
        "env": cfg.env.id,
        "kwargs": cfg.env.kwargs,
        "thinking": cfg.env.thinking,
        "model": cfg.model.name,
        "limits": [ro.max_turns, ro.max_tokens, ro.max_total_tokens, ro.step_timeout_s],
        "episodes": cfg.sft.episodes,
        "seed_start": cfg.sft.seed_start,
    }
    return f"oracle-{fingerprint(key)}.jsonl"


def sft_examples(
    cfg: TrainConfig, chat_format: Any, stage_dir: Path | None = None
) -> list[Example]:
    if cfg.sft.source == "oracle":
        cache = stage_dir / oracle_cache_name(cfg) if stage_dir else None
        return oracle_examples(cfg, chat_format, cache)
    return load_examples(cfg.sft.source, cfg.sft.data, chat_format)


def train_sft(
    cfg: TrainConfig,
    model: Any,
    tokenizer: Any,
    examples: Sequence[Example],
    out_dir: str | Path,
    *,
    resume: bool = False,
    on_step: StepCallback | None = None,
) -> dict[str, Any]:
    """Run the SFT stage on `examples`; returns the last step's metrics.

    The data order is a fixed function of (seed, epoch), so a resumed run sees exactly the
    batches it would have seen.
    """
    sc = cfg.sft
    examples = [e.truncated(sc.max_length) for e in examples]
    examples = [e for e in examples if sum(e.loss_mask[1:]) > 0]
    if not examples:
        raise DataError("no example has a trained token", key="sft.data")
    steps = sc.steps
    if sc.epochs is not None:
        steps = max(1, (sc.epochs * len(examples) + sc.batch_size - 1) // sc.batch_size)
    stage = Stage.from_config("sft", cfg, out_dir, on_step)
    model.to(stage.device)
    model.train()
    params = [p for n, p in model.named_parameters() if not n.startswith("value_head.")]
    opt = build_optimizer(params, sc.lr, sc.weight_decay)
    sched = build_scheduler(opt, sc.schedule, sc.warmup_steps, steps, sc.min_lr_ratio)
    start, _ = stage.start(model, opt, sched, resume)
    pad = int(getattr(tokenizer, "pad_token_id", None) or 0)

    order: list[int] = []
    epoch = 0
    needed = steps * sc.batch_size
    while len(order) < needed:
        order.extend(
            np.random.default_rng(cfg.seed * 7919 + epoch).permutation(len(examples)).tolist()
        )
        epoch += 1

    last: dict[str, Any] = {}
    log.info(
        "sft: %d examples, %d steps of %d (from step %d)",
        len(examples),
        steps,
        sc.batch_size,
        start,
    )
    for step in range(start, steps):
        t0 = time.perf_counter()
        idx = order[step * sc.batch_size : (step + 1) * sc.batch_size]
        batch = [examples[i] for i in idx]
        total_tokens = sum(sum(e.loss_mask[1:]) for e in batch)
        opt.zero_grad(set_to_none=True)
        loss_sum = 0.0
        for m in range(0, len(batch), sc.micro_batch_size):
            micro = batch[m : m + sc.micro_batch_size]
            with autocast(stage.device, stage.amp_dtype):
                loss, _ = sft_loss(
                    model,
                    [e.input_ids for e in micro],
                    [e.loss_mask for e in micro],
                    pad,
                    batch_num_tokens=total_tokens,
                    device=stage.device,
                )
            stage.guard(step + 1, {"sft/loss": loss})
            loss.backward()
            loss_sum += float(loss.detach())
        grad_norm = torch.nn.utils.clip_grad_norm_(params, sc.max_grad_norm)
        stage.guard(step + 1, {"grad_norm": grad_norm})
        opt.step()
        sched.step()
        last = {
            "sft/loss": loss_sum,
            "sft/tokens": total_tokens,
            "sft/grad_norm": float(grad_norm),
            "sft/lr": sched.get_last_lr()[0],
            "time/step": time.perf_counter() - t0,
        }
        stage.log_step(step + 1, steps, last)
        stage.maybe_checkpoint(step + 1, steps, model, tokenizer, opt, sched, {"epochs": epoch})
    if start >= steps and stage.last_checkpoint is None:
        log.info("sft: already finished")
    stage.finish()
    if stage.last_checkpoint is not None:
        last["checkpoint"] = str(stage.last_checkpoint)
    return last
