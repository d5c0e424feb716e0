"""Shared fixtures of the sft_data tests.

`tests/` is on sys.path during collection and `tests/sft_data` (no __init__.py) would then
shadow the real `sft_data` package as a namespace package; putting the project root first
makes `import sft_data` find the package (the lead may prefer `pythonpath = ["."]` in the
pytest config).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
_mod = sys.modules.get("sft_data")
if _mod is not None and getattr(_mod, "__file__", None) is None:  # a namespace shadow
    del sys.modules["sft_data"]

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def chat_format():
    cf = pytest.importorskip("agent_rl.chat_format", reason="agent_rl.chat_format not available")
    return cf.get_chat_format("deepseek_v31")
