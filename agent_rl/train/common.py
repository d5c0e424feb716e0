"""What every stage shares: optimizer and schedule, checkpoint/resume, metrics, the NaN guard.

A `Stage` owns one output directory (`run/<stage>/`) with its checkpoints, metrics and plots.
Stages of a pipeline hand weights on in memory; on resume a finished stage is recognised by
its final checkpoint and skipped (its weights are loaded instead).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent_rl.train.checkpoint import CheckpointManager
from agent_rl.train.metrics import MetricsLogger, NonFiniteLossError, check_finite, plot_metrics
from agent_rl.train.modeling import autocast_dtype, resolve_device

log = logging.getLogger(__name__)

#: Metrics the periodic progress line shows.
_PROGRESS_KEYS = (
    "sft/loss",
    "dpo/loss",
    "dpo/margin",
    "reward/mean",
    "success/mean",
    "eval/success",
    "time/step",
)

#: Called after every step with (stage, step, total_steps, metrics): progress bars, tests.
StepCallback = Callable[[str, int, int, dict[str, Any]], None]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def build_optimizer(
    params: Iterable[Any], lr: float, weight_decay: float, betas: tuple[float, float] = (0.9, 0.99)
) -> torch.optim.AdamW:
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, betas=betas, eps=1e-8)


def build_scheduler(
    optimizer: torch.optim.Optimizer, schedule: str, warmup: int, total: int, min_lr_ratio: float
) -> Any:
    """Linear warmup then cosine (down to `min_lr_ratio`), linear or constant: transformers'."""
    from transformers.optimization import get_scheduler

    total = max(total, 1)
    warmup = min(warmup, total)
    if schedule == "cosine":
        return get_scheduler(
            "cosine_with_min_lr",
            optimizer,
            num_warmup_steps=warmup,
            num_training_steps=total,
            scheduler_specific_kwargs={"min_lr_rate": min_lr_ratio},
        )
    if schedule == "linear":
        return get_scheduler("linear", optimizer, num_warmup_steps=warmup, num_training_steps=total)
    return get_scheduler("constant_with_warmup", optimizer, num_warmup_steps=warmup)


class Stage:
    """Output dir, checkpoints, metrics and guards of one training stage."""

    def __init__(
        self,
        name: str,
        out_dir: str | Path,
        *,
        device: str,
        precision: str,
        keep: int,
        every: int,
        config: dict[str, Any],
        tensorboard: bool = True,
        plots: bool = True,
        on_step: StepCallback | None = None,
    ) -> None:
        self.name = name
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.device = resolve_device(device)
        self.amp_dtype = autocast_dtype(precision, self.device)
        self.ckpt = CheckpointManager(self.dir / "checkpoints", keep=keep)
        self.every = every
        self.config = config
        self.tensorboard = tensorboard
        self.plots = plots
        self.on_step = on_step
        self.metrics: MetricsLogger | None = None
        self.last_checkpoint: Path | None = None
        self.label = name.upper()
        """What plot titles call the stage: the algorithm for RL (GRPO, PPO, ...)."""

    @classmethod
    def from_config(
        cls, name: str, cfg: Any, out_dir: str | Path, on_step: StepCallback | None = None
    ) -> Stage:
        """A stage set up from a `TrainConfig` (device, precision, checkpoints, outputs)."""
        stage = cls(
            name,
            out_dir,
            device=cfg.device,
            precision=cfg.precision,
            keep=cfg.checkpoint.keep,
            every=cfg.checkpoint.every,
            config=cfg.to_dict(),
            tensorboard=cfg.tensorboard,
            plots=cfg.plots,
            on_step=on_step,
        )
        stage.label = cfg.rl.algo.upper() if name == "rl" else name.upper()
        return stage

    # -- lifecycle ------------------------------------------------------------------------
    def finished_checkpoint(self) -> Path | None:
        """The final checkpoint of a completed earlier run of this stage, if any."""
        import json

        latest = self.ckpt.latest()
        if latest is None:
            return None
        state = json.loads((latest / "state.json").read_text())
        return latest if state.get("final") else None

    def start(
        self,
        model: Any,
        optimizer: torch.optim.Optimizer | None,
        scheduler: Any,
        resume: bool,
    ) -> tuple[int, dict[str, Any]]:
        """Resume from the latest checkpoint when asked (and one exists); open metrics.

        Returns (first step to run, restored trainer state).
        """
        self.ckpt.clean_partial()
        start, state = 0, {}
        # The newest checkpoint that verifies and loads; corrupt ones are skipped with a warning.
        latest, state = (
            self.ckpt.load_latest(model, optimizer, scheduler) if resume else (None, {})
        )
        if latest is not None:
            start = int(state["step"])
            self.last_checkpoint = latest
            log.info("%s: resumed from %s (step %d)", self.name, latest, start)
        elif resume:
            log.info("%s: nothing to resume in %s; starting fresh", self.name, self.ckpt.root)
        self.metrics = MetricsLogger(
            self.dir, tensorboard=self.tensorboard, resume_step=start if latest is not None else -1
        )
        return start, state

    def guard(self, step: int, tensors: dict[str, Any]) -> None:
        """Stop the run on a NaN/inf (before the optimizer touches the weights)."""
        bad = check_finite(tensors)
        if bad is not None:
            name, detail = bad
            ckpt = str(self.last_checkpoint) if self.last_checkpoint else None
            log.error("%s step %d: non-finite %s (%s)", self.name, step, name, detail)
            raise NonFiniteLossError(self.name, step, name, detail, ckpt)

    def log_step(self, step: int, total: int, metrics: dict[str, Any]) -> None:
        assert self.metrics is not None
        self.metrics.log(step, metrics)
        if self.on_step is not None:
            self.on_step(self.name, step, total, metrics)
        if step == 1 or step == total or step % max(1, total // 10) == 0:
            # A log line every tenth of the stage: progress shows in a log file too.
            shown = {k: v for k, v in metrics.items() if k in _PROGRESS_KEYS}
            text = " ".join(f"{k} {v:.4g}" for k, v in shown.items() if isinstance(v, float))
            log.info("%s step %d/%d %s", self.name, step, total, text)

    def maybe_checkpoint(
        self,
        step: int,
        total: int,
        model: Any,
        tokenizer: Any,
        optimizer: Any,
        scheduler: Any,
        state: dict[str, Any],
    ) -> None:
        final = step >= total
        if final or step % self.every == 0:
            self.last_checkpoint = self.ckpt.save(
                step,
                model,
                tokenizer,
                optimizer,
                scheduler,
                {**state, "stage": self.name, "final": final},
                self.config,
            )
            # Intermediate checkpoints log at DEBUG: one INFO line per stage, not per save.
            if final:
                log.info(
                    "%s: finished at step %d; checkpoint %s", self.name, step, self.last_checkpoint
                )

    def finish(self) -> list[Path]:
        plots: list[Path] = []
        if self.metrics is not None:
            if self.plots and self.metrics.records:
                plots = plot_metrics(
                    self.metrics.records, self.dir / "plots", prefix=f"{self.label}: "
                )
            self.metrics.close()
        return plots


def is_finite(x: float) -> bool:
    return math.isfinite(x)
