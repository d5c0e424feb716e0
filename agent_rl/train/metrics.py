"""Training metrics: JSONL (the record), TensorBoard (live), PNG plots (the README), NaN guard.

Each stage writes `metrics.jsonl` with one object per step. On resume the lines past the
resumed step are dropped, so a killed-and-resumed run has exactly one line per step.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from agent_rl.errors import AgentRLError

log = logging.getLogger(__name__)


class NonFiniteLossError(AgentRLError, FloatingPointError):
    """A loss (or a tensor feeding it) became NaN or inf; the run stops before the update."""

    def __init__(
        self, stage: str, step: int, name: str, detail: str, checkpoint: str | None
    ) -> None:
        self.stage, self.step, self.name, self.checkpoint = stage, step, name, checkpoint
        kept = f"; last good checkpoint: {checkpoint}" if checkpoint else "; no checkpoint yet"
        super().__init__(f"{stage} step {step}: non-finite {name} ({detail}){kept}")


def check_finite(tensors: Mapping[str, torch.Tensor | float | None]) -> tuple[str, str] | None:
    """Return (name, detail) of the first tensor with NaN/inf values, else None."""
    for name, value in tensors.items():
        if value is None:
            continue
        t = value if isinstance(value, torch.Tensor) else torch.tensor(float(value))
        t = t.detach()
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            n_nan = int(torch.isnan(t).sum())
            n_inf = int(torch.isinf(t).sum())
            return (
                name,
                f"{n_nan} NaN and {n_inf} inf of {t.numel()} values, shape {tuple(t.shape)}",
            )
    return None


class MetricsLogger:
    """Append step metrics to `metrics.jsonl` and TensorBoard under `root`."""

    def __init__(
        self, root: str | Path, *, tensorboard: bool = True, resume_step: int | None = None
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / "metrics.jsonl"
        self.records: list[dict[str, Any]] = []
        if self.path.exists():
            keep = []
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:  # a line cut by a kill
                    continue
                if resume_step is not None and rec.get("step", 0) <= resume_step:
                    keep.append(rec)
            self.records = keep
            self.path.write_text("".join(json.dumps(r) + "\n" for r in keep), encoding="utf-8")
        self._f = self.path.open("a", encoding="utf-8")
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(self.root / "tensorboard"))
            except Exception as exc:  # tensorboard is optional at runtime
                log.warning("TensorBoard disabled: %s", exc)

    def log(self, step: int, metrics: Mapping[str, Any]) -> None:
        rec = {"step": step, **{k: _plain(v) for k, v in metrics.items()}}
        self.records.append(rec)
        self._f.write(json.dumps(rec) + "\n")
        self._f.flush()
        if self._tb is not None:
            for k, v in rec.items():
                if k != "step" and isinstance(v, (int, float)) and math.isfinite(v):
                    self._tb.add_scalar(k, v, step)
            self._tb.flush()

    def close(self) -> None:
        self._f.close()
        if self._tb is not None:
            self._tb.close()


def _plain(v: Any) -> Any:
    if isinstance(v, torch.Tensor):
        return float(v.detach().float().mean())
    if hasattr(v, "item") and not isinstance(v, (list, dict)):
        return v.item()
    return v


#: (metric key, plot title) for the end-of-run PNGs; missing keys are skipped.
PLOTS: tuple[tuple[str, str], ...] = (
    ("reward/mean", "reward"),
    ("success/mean", "success rate"),
    ("eval/success", "held-out success"),
    ("actor/kl", "KL to reference"),
    ("actor/entropy", "entropy"),
    ("actor/loss", "total loss (policy + KL/entropy/value terms)"),
    ("actor/pg_loss", "policy loss"),
    ("response/length", "response length (policy tokens)"),
    ("critic/vf_loss", "value loss"),
    ("sft/loss", "SFT loss"),
    ("dpo/loss", "DPO loss"),
    ("dpo/margin", "DPO reward margin"),
    ("dpo/accuracy", "DPO accuracy"),
)


def _same_as(records: list[dict[str, Any]], a: str, b: str) -> bool:
    """True when metric `a` equals metric `b` at every step where `a` is logged."""
    pairs = [(r[a], r.get(b)) for r in records if isinstance(r.get(a), (int, float))]
    return all(
        isinstance(y, (int, float)) and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
        for x, y in pairs
    )


def plot_metrics(
    records: list[dict[str, Any]], out_dir: str | Path, prefix: str = ""
) -> list[Path]:
    """Write one PNG per known metric present in `records`; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for key, title in PLOTS:
        pts = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
        if not pts:
            continue
        if key == "actor/loss" and _same_as(records, key, "actor/pg_loss"):
            continue  # no KL, entropy or value term: the total loss is the policy loss
        xs, ys = zip(*pts, strict=True)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, linewidth=1.5)
        if len(ys) >= 8 and key in ("reward/mean", "success/mean"):
            w = max(2, len(ys) // 8)
            smooth = [
                sum(ys[max(0, i - w + 1) : i + 1]) / len(ys[max(0, i - w + 1) : i + 1])
                for i in range(len(ys))
            ]
            ax.plot(xs, smooth, linewidth=2.5, label=f"moving mean ({w})")
            ax.legend()
        ax.set_title(f"{prefix}{title}")
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
        plain = ScalarFormatter(useOffset=False)  # no "1e-5+7.6349" offset labels
        plain.set_scientific(False)
        ax.yaxis.set_major_formatter(plain)
        lo, hi = min(ys), max(ys)
        span = max(0.02 * max(abs(lo), abs(hi)), 1e-3)
        if hi - lo < span:  # a nearly flat curve is drawn flat, not as 1e-8 wiggles
            mid = (hi + lo) / 2
            ax.set_ylim(mid - span, mid + span)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out / f"{key.replace('/', '_')}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
