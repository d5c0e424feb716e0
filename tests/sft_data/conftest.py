"""Shared fixtures of the sft_data tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def chat_format():
    cf = pytest.importorskip("agent_rl.chat_format", reason="agent_rl.chat_format not available")
    return cf.get_chat_format("deepseek_v31")
