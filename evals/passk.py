"""pass@k, the unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code": with n samples of which c are correct, pass@k = 1 - C(n-c, k) / C(n, k).

Computed as a running product so that large n does not overflow.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent_rl.errors import ConfigError


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n is correct."""
    if k < 1:
        raise ConfigError(f"k must be >= 1, got {k}", key="k")
    if not 0 <= c <= n:
        raise ConfigError(f"need 0 <= c <= n, got n={n}, c={c}", key="c")
    if n < k:
        raise ConfigError(f"pass@{k} needs at least {k} samples, got n={n}", key="n")
    if n - c < k:
        return 1.0
    # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
    ratio = 1.0
    for i in range(n - c + 1, n + 1):
        ratio *= 1.0 - k / i
    return 1.0 - ratio


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float | None:
    """Mean pass@k over tasks given (n, c) per task; tasks with n < k are skipped.

    None when no task has enough samples.
    """
    values = [pass_at_k(n, c, k) for n, c in counts if n >= k]
    return sum(values) / len(values) if values else None
