"""Fixtures for rollout tests: the real V3.1 chat format and the real tiny model."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def chat_format() -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format("deepseek_v31")


@pytest.fixture(scope="session")
def tiny() -> tuple[Any, Any]:
    from agent_rl.models import load_tiny_model

    return load_tiny_model()
