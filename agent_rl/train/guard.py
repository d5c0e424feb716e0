"""The divergence guard: a run that is falling apart says so (or stops) instead of exiting 0.

Checked after every RL step, on the step's metrics:

- reward collapse: held-out success (or, between evaluations, the training success over a
  few steps) fell below `collapse_ratio` of the best value seen, after reaching at least 0.5;
- entropy: the policy's per-token entropy rose to near the uniform distribution's
  (`ln |vocab|`) after having been well below it, so it now samples noise;
- KL: the KL to the reference (when one is trained against) exceeds `rl.max_kl`.

`rl.divergence` picks what happens: `warn` (log and record in the summary), `stop` (raise
`DivergenceError` naming the last checkpoint), or `off`. NaN/inf losses are caught earlier,
by `Stage.guard`, before they reach the weights.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from agent_rl.errors import AgentRLError

log = logging.getLogger(__name__)


class DivergenceError(AgentRLError):
    """Training diverged (reward collapse, entropy blow-up or runaway KL) and was stopped."""


class DivergenceGuard:
    """Watches RL step metrics for signs of divergence (see the module docstring)."""

    def __init__(
        self,
        mode: str = "warn",
        *,
        vocab_size: int | None = None,
        max_kl: float = 1.0,
        collapse_ratio: float = 0.5,
        window: int = 3,
    ) -> None:
        self.mode = mode
        self.max_entropy = math.log(vocab_size) if vocab_size and vocab_size > 1 else None
        self.max_kl = max_kl
        self.collapse_ratio = collapse_ratio
        self.min_entropy = math.inf
        """Lowest entropy seen: an untrained policy starts near uniform, which is no divergence."""
        self.best_eval = 0.0
        self.best_train = 0.0
        self.recent: deque[float] = deque(maxlen=window)
        self.warnings: list[str] = []

    def check(
        self, step: int, metrics: Mapping[str, Any], checkpoint: str | None = None
    ) -> list[str]:
        """The problems this step shows; warns or raises according to `mode`."""
        if self.mode == "off":
            return []
        found = []
        ev = metrics.get("eval/success")
        if isinstance(ev, (int, float)):
            if self.best_eval >= 0.5 and ev < self.collapse_ratio * self.best_eval:
                found.append(f"held-out success collapsed from {self.best_eval:.2f} to {ev:.2f}")
            self.best_eval = max(self.best_eval, float(ev))
        tr = metrics.get("success/mean")
        if isinstance(tr, (int, float)):
            self.recent.append(float(tr))
            if len(self.recent) == self.recent.maxlen:
                mean = sum(self.recent) / len(self.recent)
                if self.best_train >= 0.5 and mean < self.collapse_ratio * self.best_train:
                    found.append(
                        f"training success fell from {self.best_train:.2f} to {mean:.2f} "
                        f"(mean of the last {len(self.recent)} steps)"
                    )
                self.best_train = max(self.best_train, mean)
        ent = metrics.get("actor/entropy")
        if self.max_entropy and isinstance(ent, (int, float)):
            was_sharp = self.min_entropy < 0.7 * self.max_entropy
            if was_sharp and ent > 0.9 * self.max_entropy:
                found.append(
                    f"entropy rose from {self.min_entropy:.2f} to {ent:.2f}, near the uniform "
                    f"distribution's {self.max_entropy:.2f}: the policy samples noise"
                )
            self.min_entropy = min(self.min_entropy, float(ent))
        kl = metrics.get("actor/kl")
        if isinstance(kl, (int, float)) and kl > self.max_kl:
            found.append(f"KL to the reference {kl:.3f} exceeds rl.max_kl={self.max_kl:g}")
        if not found:
            return []
        text = f"rl step {step}: possible divergence: " + "; ".join(found)
        self.warnings.append(text)
        if self.mode == "stop":
            kept = f"; last checkpoint: {checkpoint}" if checkpoint else "; no checkpoint yet"
            raise DivergenceError(
                text + kept + " (rl.divergence=warn to continue, e.g. with a lower rl.lr)"
            )
        log.warning("%s (lower rl.lr, or rl.divergence=stop to stop on it)", text)
        return found
