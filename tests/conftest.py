"""Shared test setup: a project-local cache for the tiny model and tokenizer, GPU/docker skips."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built once per checkout and reused by every test process (the tiny model, the tokenizer).
os.environ.setdefault("AGENT_RL_CACHE", str(ROOT / ".cache" / "agent_rl"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
