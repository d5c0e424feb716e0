"""pass@k against the definition: brute-force enumeration of k-subsets."""

from __future__ import annotations

import itertools
import math

import pytest
from agent_rl.evals import mean_pass_at_k, pass_at_k

from agent_rl.errors import ConfigError


@pytest.mark.parametrize(
    ("n", "c", "k"), [(5, 0, 1), (5, 1, 1), (5, 2, 3), (6, 3, 2), (7, 7, 4), (8, 1, 8), (4, 2, 3)]
)
def test_matches_enumeration(n: int, c: int, k: int) -> None:
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    expected = sum(any(samples[i] for i in s) for s in subsets) / len(subsets)
    assert pass_at_k(n, c, k) == pytest.approx(expected)
    assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))


def test_pass_at_1_is_the_fraction_correct() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


def test_large_n_is_stable() -> None:
    assert 0.0 < pass_at_k(2000, 1, 10) < 0.01


def test_mean_skips_tasks_short_of_k_and_rejects_bad_input() -> None:
    assert mean_pass_at_k([(4, 4), (4, 0), (1, 1)], 2) == pytest.approx(0.5)
    assert mean_pass_at_k([(1, 1)], 2) is None
    with pytest.raises(ConfigError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ConfigError):
        pass_at_k(2, 1, 3)
    with pytest.raises(ConfigError):
        pass_at_k(2, 1, 0)
