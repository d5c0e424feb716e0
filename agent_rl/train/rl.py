"""The local RL trainer: GRPO, PPO, DAPO and GSPO on one machine (CPU or one GPU).

One step: sample `group_size` episodes for each of `tasks_per_step` training tasks with the
rollout engine (the same envs, chat format and trajectories as everywhere else), turn them
into padded tensors with the trajectory's loss mask (observation tokens are never trained),
compute advantages with verl (GRPO group baseline or GAE over a value head), then take
`ppo_epochs x mini_batches` optimizer steps on verl's policy loss, accumulating gradients
over micro-batches through verl's `global_batch_info`.

Old logprobs: when a batch gets exactly one optimizer step, the policy that sampled it is the
policy being updated, so the old logprobs are the current ones detached (the ratio is 1 and
the clipped loss reduces to the policy gradient, as in verl); otherwise they are recomputed
with the pre-update policy (or taken from the rollout when `rl.old_logprobs=rollout`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent_rl.rollout import env_factory, trajectory_stats
from agent_rl.train import algos
from agent_rl.train.batch import SequenceBatch, forward, make_batch
from agent_rl.train.common import Stage, StepCallback, build_optimizer, build_scheduler
from agent_rl.train.config import TrainConfig, held_out_kwargs, train_env_kwargs
from agent_rl.train.guard import DivergenceGuard
from agent_rl.train.modeling import add_value_head, autocast, frozen_copy

log = logging.getLogger(__name__)
_warned_no_split: set[str] = set()  # env ids already warned about

#: Seeds of dynamic-sampling refills live in their own range, far from the main stream.
_REFILL_SEED_OFFSET = 10_000_000


def evaluate_policy(
    cfg: TrainConfig,
    policy: Any,
    chat_format: Any,
    episodes: int,
    temperature: float = 0.0,
) -> dict[str, float]:
    """Held-out success rate, mean reward and tool use on `episodes` distinct tasks of the
    held-out env (`held_out_kwargs`), greedy when `temperature` is 0: `agent_rl.evals`'s
    `run_eval` with the run's limits, as `eval/*` metrics."""
    from agent_rl.evals.evaluate import run_eval
    from agent_rl.rollout import SamplingParams

    if episodes <= 0:
        return {}
    env_kwargs = held_out_kwargs(cfg)
    if env_kwargs == train_env_kwargs(cfg) and cfg.env.id not in _warned_no_split:
        _warned_no_split.add(cfg.env.id)
        log.warning("%s declares no held-out split: held-out success is measured on its "
                    "training tasks (other seeds); set env.eval_kwargs for a held-out set",
                    cfg.env.id)
    model = getattr(policy, "model", None)
    was_training = bool(getattr(model, "training", False))
    if model is not None:
        model.eval()
    try:
        report, _ = run_eval(
            cfg.env.id,
            policy,
            n_tasks=episodes,
            chat_format=chat_format,
            limits=cfg.rollout.limits(),
            sampling=SamplingParams(
                temperature=temperature, top_p=cfg.rollout.top_p, seed=cfg.seed
            ),
            thinking=cfg.env.thinking,
            concurrency=cfg.rollout.concurrency,
            seed=cfg.env.eval_seed_start,
            env_kwargs=env_kwargs,
            success_threshold=cfg.rl.success_threshold,
        )
    finally:
        if model is not None and was_training:
            model.train()
    return {
        "eval/success": report.success_rate or 0.0,
        "eval/reward": report.mean_reward or 0.0,
        "eval/tool_use": report.tool_use or 0.0,
        "eval/failed": float(report.failed),
        "eval/episodes": float(report.episodes),
    }


class RLTrainer:
    """GRPO / PPO / DAPO / GSPO on trajectories from the rollout engine."""

    def __init__(
        self,
        cfg: TrainConfig,
        model: Any,
        tokenizer: Any,
        chat_format: Any,
        out_dir: str | Path,
        *,
        on_step: StepCallback | None = None,
    ) -> None:
        from agent_rl.rollout import TransformersPolicy

        self.cfg = cfg
        self.rl = cfg.rl
        self.model = model
        self.tokenizer = tokenizer
        self.chat_format = chat_format
        self.stage = Stage.from_config("rl", cfg, out_dir, on_step)
        self.device = self.stage.device
        model.to(self.device)
        self.ppo = self.rl.algo == "ppo"
        if self.ppo:
            add_value_head(model)
        self.ref = frozen_copy(model) if self.rl.kl_coef > 0 else None
        self.actor_cfg = algos.actor_config(self.rl)
        self.pad = int(getattr(tokenizer, "pad_token_id", None) or 0)
        self.policy = TransformersPolicy(
            model, tokenizer, max_batch_size=max(cfg.rollout.concurrency, 1)
        )
        model.train()

        head = [p for n, p in model.named_parameters() if n.startswith("value_head.")]
        body = [p for n, p in model.named_parameters() if not n.startswith("value_head.")]
        groups: list[dict[str, Any]] = [{"params": body, "lr": self.rl.lr}]
        if head:
            groups.append({"params": head, "lr": self.rl.value_lr})
        self.params = body + head
        self.optimizer = build_optimizer(groups, self.rl.lr, self.rl.weight_decay, self.rl.betas)
        self.updates_per_step = self.rl.ppo_epochs * self.rl.mini_batches
        self.scheduler = build_scheduler(
            self.optimizer,
            self.rl.schedule,
            self.rl.warmup_steps * self.updates_per_step,
            self.rl.steps * self.updates_per_step,
            self.rl.min_lr_ratio,
        )
        self._factory = env_factory(cfg.env.id, train_env_kwargs(cfg), probe=True)
        self.guard = DivergenceGuard(
            self.rl.divergence,
            vocab_size=getattr(getattr(model, "config", None), "vocab_size", None),
            max_kl=self.rl.max_kl,
        )
        self.seed_cursor = cfg.env.train_seed_start
        self.refill_cursor = cfg.env.train_seed_start + _REFILL_SEED_OFFSET
        self.state: dict[str, Any] = {}

    # -- rollouts -------------------------------------------------------------------------
    def rollout(
        self, seeds: Sequence[int], group_size: int, temperature: float, sample_seed: int | None
    ) -> list[Any]:
        """Episodes from the engine with the current weights (generation under no grad)."""
        from agent_rl.rollout import RolloutEngine, SamplingParams

        engine = RolloutEngine(
            self._factory,
            self.policy,
            self.chat_format,
            self.cfg.rollout.limits(),
            sampling=SamplingParams(
                temperature=temperature, top_p=self.cfg.rollout.top_p, seed=sample_seed
            ),
            thinking=self.cfg.env.thinking,
            concurrency=self.cfg.rollout.concurrency,
        )
        self.model.eval()
        try:
            return engine.run(seeds=list(seeds), group_size=group_size)
        finally:
            self.model.train()

    def evaluate(self, episodes: int | None = None) -> dict[str, float]:
        """Held-out success rate and mean reward (seeds from `env.eval_seed_start`)."""
        n = self.cfg.eval.episodes if episodes is None else episodes
        return evaluate_policy(
            self.cfg, self.policy, self.chat_format, n, self.cfg.eval.temperature
        )

    def _collect(self, step: int) -> tuple[list[Any], list[float], list[str], dict[str, float]]:
        """Sample this step's groups; DAPO drops all-equal groups and refills up to a cap."""
        rl = self.rl
        info: dict[str, float] = {}
        seeds = list(range(self.seed_cursor, self.seed_cursor + rl.tasks_per_step))
        self.seed_cursor += rl.tasks_per_step
        sample_seed = self.cfg.seed * 100_003 + step
        trajs = self.rollout(seeds, rl.group_size, self.cfg.rollout.temperature, sample_seed)
        rounds = [(0, trajs)]
        kept_t, kept_r, kept_g = self._score(trajs, 0, step)
        all_trajs = list(trajs)
        if rl.dynamic_sampling:
            keep = algos.dynamic_sampling_keep(kept_r, kept_g)
            kept_t = [t for t, k in zip(kept_t, keep, strict=True) if k]
            kept_r = [r for r, k in zip(kept_r, keep, strict=True) if k]
            kept_g = [g for g, k in zip(kept_g, keep, strict=True) if k]
            for rnd in range(1, rl.max_sampling_rounds + 1):
                have = len(set(kept_g))
                if have >= rl.tasks_per_step:
                    break
                need = rl.tasks_per_step - have
                seeds = list(range(self.refill_cursor, self.refill_cursor + need))
                self.refill_cursor += need
                more = self.rollout(
                    seeds, rl.group_size, self.cfg.rollout.temperature, sample_seed + rnd * 7919
                )
                rounds.append((rnd, more))
                all_trajs.extend(more)
                t2, r2, g2 = self._score(more, rnd, step)
                keep = algos.dynamic_sampling_keep(r2, g2)
                kept_t += [t for t, k in zip(t2, keep, strict=True) if k]
                kept_r += [r for r, k in zip(r2, keep, strict=True) if k]
                kept_g += [g for g, k in zip(g2, keep, strict=True) if k]
            # Never train on more groups than a normal step.
            allowed = list(dict.fromkeys(kept_g))[: rl.tasks_per_step]
            sel = [i for i, g in enumerate(kept_g) if g in set(allowed)]
            kept_t = [kept_t[i] for i in sel]
            kept_r = [kept_r[i] for i in sel]
            kept_g = [kept_g[i] for i in sel]
            info["dapo/kept_groups"] = float(len(allowed))
            info["dapo/sampling_rounds"] = float(len(rounds))
        stats = trajectory_stats(all_trajs, rl.success_threshold)
        info.update(
            {
                "reward/mean": stats.mean_reward or 0.0,
                "reward/std": stats.std_reward or 0.0,
                "success/mean": stats.success_rate or 0.0,
                "response/length": stats.mean_policy_tokens or 0.0,
                "response/turns": stats.mean_turns or 0.0,
                "response/tool_use": stats.tool_use or 0.0,
                "response/truncated": stats.truncated or 0.0,
                "rollout/failed": float(stats.failed),
                "rollout/episodes": float(stats.episodes),
            }
        )
        failed = [t for t in all_trajs if t.failed]
        if failed:
            log.warning(
                "rl step %d: %d of %d episodes failed (excluded): %s",
                step,
                len(failed),
                len(all_trajs),
                failed[0].error,
            )
        return kept_t, kept_r, kept_g, info

    def _score(
        self, trajs: Sequence[Any], rnd: int, step: int
    ) -> tuple[list[Any], list[float], list[str]]:
        """Training rewards (with DAPO's overlong penalty) of the usable episodes."""
        rl = self.rl
        out_t, out_r, out_g = [], [], []
        for t in trajs:
            if t.failed or t.num_policy_tokens == 0:
                continue
            r = float(t.reward)
            if rl.overlong_buffer:
                r += algos.overlong_penalty(
                    t.num_policy_tokens,
                    int(rl.max_response_tokens or 1),
                    rl.overlong_buffer,
                    rl.overlong_penalty,
                )
            out_t.append(t)
            out_r.append(r)
            out_g.append(f"{step}:{rnd}:{t.group}")
        return out_t, out_r, out_g

    # -- the update -----------------------------------------------------------------------
    def _batch(self, trajs: Sequence[Any]) -> tuple[SequenceBatch, torch.Tensor]:
        batch = make_batch(
            [t.prompt_ids for t in trajs],
            [t.response_ids for t in trajs],
            [t.loss_mask for t in trajs],
            self.pad,
            share_prefix=self.rl.share_prefix,
        )
        rw = batch.responses.shape[1]
        rollout_lp = torch.zeros((len(trajs), rw), dtype=torch.float32)
        for i, t in enumerate(trajs):
            if t.logprobs:
                rollout_lp[i, : len(t.logprobs)] = torch.tensor(t.logprobs, dtype=torch.float32)
        return batch, rollout_lp

    @torch.no_grad()
    def _pre_pass(
        self, batch: SequenceBatch, model: Any, values: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        lps, vals = [], []
        mb = self.rl.micro_batch_size
        for s in range(0, batch.size, mb):
            micro = batch.select(range(s, min(s + mb, batch.size))).to(self.device)
            with autocast(self.device, self.stage.amp_dtype):
                out = forward(model, micro, values=values, temperature=self.cfg.rollout.temperature)
            lps.append(out.logprobs.float().cpu())
            if values:
                vals.append(out.values.float().cpu())
        return torch.cat(lps), (torch.cat(vals) if values else None)

    def train_step(
        self, step: int, trajs: Sequence[Any], rewards: Sequence[float], groups: Sequence[str]
    ) -> dict[str, float]:
        rl = self.rl
        batch, rollout_lp = self._batch(trajs)
        mask = batch.response_mask
        reward_t = torch.tensor(rewards, dtype=torch.float32)
        single_update = self.updates_per_step == 1
        old_lp = values = None
        if self.ppo or (not single_update and rl.old_logprobs == "recompute"):
            old_lp, values = self._pre_pass(batch, self.model, self.ppo)
        if rl.old_logprobs == "rollout":
            old_lp = rollout_lp
        ref_lp = None
        if self.ref is not None:
            ref_lp, _ = self._pre_pass(batch, self.ref, False)
        if self.ppo:
            assert values is not None
            adv, returns = algos.gae_advantages(reward_t, values, mask, rl.gamma, rl.lam)
        else:
            adv = algos.grpo_advantages(reward_t, mask, groups, rl.norm_adv_by_std)
            returns = None
        self.stage.guard(step, {"advantages": adv, "old_logprobs": old_lp, "ref_logprobs": ref_lp})

        sums: dict[str, list[float]] = {}
        gen = torch.Generator().manual_seed(self.cfg.seed * 31 + step)
        n = batch.size
        for _epoch in range(rl.ppo_epochs):
            perm = torch.randperm(n, generator=gen) if rl.mini_batches > 1 else torch.arange(n)
            for mini in torch.tensor_split(perm, rl.mini_batches):
                if len(mini) == 0:
                    continue
                self._update(step, batch, mini, adv, old_lp, ref_lp, values, returns, sums)
        out = {k: float(np.mean(v)) for k, v in sums.items()}
        out["actor/lr"] = self.scheduler.get_last_lr()[0]
        out["train/sequences"] = float(n)
        out["train/tokens"] = float(mask.sum())
        out["train/seq_tokens"] = float(sum(len(t.prompt_ids) + len(t.response_ids) for t in trajs))
        return out

    def _update(
        self,
        step: int,
        batch: SequenceBatch,
        mini: torch.Tensor,
        adv: torch.Tensor,
        old_lp: torch.Tensor | None,
        ref_lp: torch.Tensor | None,
        values: torch.Tensor | None,
        returns: torch.Tensor | None,
        sums: dict[str, list[float]],
    ) -> None:
        rl = self.rl
        mode = self.actor_cfg.loss_agg_mode
        mini_mask = batch.response_mask[mini]
        gbi = {
            "dp_size": 1,
            "batch_num_tokens": max(int(mini_mask.sum()), 1),
            "global_batch_size": max(int((mini_mask.sum(-1) > 0).sum()), 1),
        }
        self.actor_cfg.global_batch_info.clear()
        self.actor_cfg.global_batch_info.update(gbi)
        self.optimizer.zero_grad(set_to_none=True)
        acc: dict[str, float] = {}
        for micro_idx in torch.split(mini, rl.micro_batch_size):
            micro = batch.select(micro_idx).to(self.device)
            m = micro.response_mask
            with autocast(self.device, self.stage.amp_dtype):
                out = forward(
                    self.model,
                    micro,
                    entropy=True,
                    values=self.ppo,
                    temperature=self.cfg.rollout.temperature,
                )
            lp = out.logprobs
            old = lp.detach() if old_lp is None else old_lp[micro_idx].to(self.device)
            a = adv[micro_idx].to(self.device)
            pg_loss, pg_metrics = algos.policy_loss(old, lp, a, m, self.actor_cfg)
            loss = pg_loss
            parts: dict[str, Any] = {"actor/pg_loss": pg_loss}
            ent = algos.agg_loss(out.entropy, m, mode, **gbi)
            parts["actor/entropy"] = ent
            if rl.entropy_coef:
                loss = loss - rl.entropy_coef * ent
            if ref_lp is not None:
                kl_mat = algos.kl_penalty(lp, ref_lp[micro_idx].to(self.device), rl.kl_type)
                kl = algos.agg_loss(kl_mat, m, mode, **gbi)
                loss = loss + rl.kl_coef * kl
                parts["actor/kl"] = kl
            if self.ppo:
                assert values is not None and returns is not None and out.values is not None
                vf_loss, vf_clip = algos.value_loss(
                    out.values,
                    returns[micro_idx].to(self.device),
                    values[micro_idx].to(self.device),
                    m,
                    rl.cliprange_value,
                    mode,
                    **gbi,
                )
                loss = loss + rl.vf_coef * vf_loss
                parts["critic/vf_loss"] = vf_loss
                parts["critic/vf_clipfrac"] = vf_clip
                parts["critic/values"] = algos.agg_loss(out.values.detach(), m, mode, **gbi)
            parts["actor/loss"] = loss
            self.stage.guard(step, {**parts, "logprobs": lp})
            loss.backward()
            for k, v in parts.items():
                acc[k] = acc.get(k, 0.0) + float(v.detach() if isinstance(v, torch.Tensor) else v)
            for k, v in pg_metrics.items():
                acc.setdefault(k, 0.0)
                acc[k] += float(v) * len(micro_idx) / len(mini)
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, rl.max_grad_norm)
        self.stage.guard(step, {"grad_norm": grad_norm})
        self.optimizer.step()
        self.scheduler.step()
        acc["actor/grad_norm"] = float(grad_norm)
        for k, v in acc.items():
            sums.setdefault(k, []).append(v)

    # -- the loop -------------------------------------------------------------------------
    def train(self, resume: bool = False) -> dict[str, Any]:
        """Run all steps (or the rest of them); returns eval before/after and last metrics."""
        rl = self.rl
        start, state = self.stage.start(self.model, self.optimizer, self.scheduler, resume)
        self.state = dict(state)
        self.seed_cursor = int(state.get("seed_cursor", self.seed_cursor))
        self.refill_cursor = int(state.get("refill_cursor", self.refill_cursor))
        if start == 0 or "eval_before" not in self.state:
            if self.cfg.eval.episodes:
                log.info(
                    "rl: held-out evaluation before %s (%d tasks, greedy)",
                    rl.algo.upper(),
                    self.cfg.eval.episodes,
                )
            before = self.evaluate()
            self.guard.check(0, before)  # the best held-out success starts here
            self.state["eval_before"] = before
            if before:
                log.info("rl: held-out before RL: success %.3f", before["eval/success"])
                self.stage.metrics.log(0, before)  # type: ignore[union-attr]
        last: dict[str, Any] = {}
        for step in range(start + 1, rl.steps + 1):
            t0 = time.perf_counter()
            trajs, rewards, groups, info = self._collect(step)
            t_gen = time.perf_counter() - t0
            t1 = time.perf_counter()
            if trajs:
                metrics = self.train_step(step, trajs, rewards, groups)
            else:
                log.warning(
                    "rl step %d: no usable group (all rewards equal or failed); no update", step
                )
                metrics = {"train/skipped": 1.0}
                for _ in range(self.updates_per_step):
                    self.scheduler.step()
            t_train = time.perf_counter() - t1
            metrics.update(info)
            env_time = sum(sum(t.timings.get("env", [])) for t in trajs)
            metrics.update(
                {
                    "time/rollout": t_gen,
                    "time/train": t_train,
                    "time/step": time.perf_counter() - t0,
                    "time/env_sum": env_time,
                }
            )
            if self.cfg.eval.every and step % self.cfg.eval.every == 0 and step < rl.steps:
                metrics.update(self.evaluate())
            if step == rl.steps:
                after = self.evaluate()
                self.state["eval_after"] = after
                metrics.update(after)
            last = metrics
            self.stage.log_step(step, rl.steps, metrics)
            checkpoint = str(self.stage.last_checkpoint) if self.stage.last_checkpoint else None
            self.guard.check(step, metrics, checkpoint)
            self.state.update(
                {"seed_cursor": self.seed_cursor, "refill_cursor": self.refill_cursor}
            )
            self.stage.maybe_checkpoint(
                step,
                rl.steps,
                self.model,
                self.tokenizer,
                self.optimizer,
                self.scheduler,
                self.state,
            )
        if start >= rl.steps and "eval_after" not in self.state:
            self.state["eval_after"] = self.evaluate()
        plots = self.stage.finish()
        return {
            "eval_before": self.state.get("eval_before", {}),
            "eval_after": self.state.get("eval_after", {}),
            "last": last,
            "plots": [str(p) for p in plots],
            "warnings": list(self.guard.warnings),
            "checkpoint": str(self.stage.last_checkpoint) if self.stage.last_checkpoint else None,
        }
