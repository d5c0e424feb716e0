"""Shared fixtures for the code env tests: one real bubblewrap sandbox for the session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    """The project's bubblewrap sandbox (tests skip with the reason where it cannot run)."""
    from agent_rl.tools.sandbox import get_sandbox

    from agent_rl.errors import InfraError

    try:
        box = get_sandbox("bwrap", shared=False, max_concurrency=4)
    except InfraError as exc:
        pytest.skip(f"no bubblewrap sandbox here: {exc}")
    yield box
    box.close()
