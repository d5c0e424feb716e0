"""Shared fixtures: the V3.1 format on the tiny tokenizer and the official template via jinja2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from agent_rl.chat_format import get_chat_format
from agent_rl.chat_format.special_tokens import BOS

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "deepseek_v31_chat_template.jinja"


@pytest.fixture(scope="session")
def fmt():
    return get_chat_format("deepseek_v31")


@pytest.fixture(scope="session")
def official():
    """Render with the official DeepSeek-V3.1 chat_template (byte for byte from the tokenizer)."""
    if not REFERENCE.exists():
        pytest.skip(f"official template not found at {REFERENCE} (shared/reference is absent)")
    template = jinja2.Environment().from_string(REFERENCE.read_text(encoding="utf-8"))

    def render(
        messages: list[dict[str, Any]], add_generation_prompt: bool = False, thinking: bool = False
    ) -> str:
        return template.render(
            messages=messages,
            bos_token=BOS,
            add_generation_prompt=add_generation_prompt,
            thinking=thinking,
        )

    return render
