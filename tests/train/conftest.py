"""Fixtures of the training tests: the real tiny model and tokenizer, small configs."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny():
    """(model factory, tokenizer, chat format): a fresh copy of the tiny model per call."""
    from agent_rl.chat_format import get_chat_format
    from agent_rl.models import load_tiny_model

    _, tok = load_tiny_model()
    cf = get_chat_format("deepseek_v31", tokenizer=tok)

    def make():
        model, _ = load_tiny_model()
        model.train()
        return model

    return make, tok, cf


def small_overrides(tmp_path, **extra) -> dict:
    """A config small enough for a few seconds per RL step on the tiny model."""
    base = {
        "output_dir": str(tmp_path / "run"),
        "rl.steps": 2,
        "rl.tasks_per_step": 2,
        "rl.group_size": 2,
        "rl.micro_batch_size": 2,
        "rollout.max_tokens": 12,
        "rollout.max_turns": 2,
        "eval.episodes": 2,
        "sft.episodes": 8,
        "sft.steps": 2,
        "sft.batch_size": 4,
        "sft.micro_batch_size": 2,
        "checkpoint.every": 1,
        "tensorboard": False,
    }
    base.update(extra)
    return base
