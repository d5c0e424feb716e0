"""Shared fixtures: one verifier pool per test session (starting workers costs about a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from agent_rl.envs.math.verify import Verifier


@pytest.fixture(scope="session")
def verifier() -> Iterator[Verifier]:
    with Verifier(workers=2, timeout=30.0) as pool:
        yield pool.start()
