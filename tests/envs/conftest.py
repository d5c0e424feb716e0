"""Shared fixtures: one verifier pool per test session (starting workers costs about a second)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `pytest` (the script, not `python -m pytest`) puts tests/ first on sys.path, where this
# folder (tests/envs, no __init__.py) would shadow the real `envs` package as a namespace
# package. Put the repository root first and drop a shadowing namespace import.
_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [_ROOT]:
    sys.path.insert(0, _ROOT)
if "envs" in sys.modules and getattr(sys.modules["envs"], "__file__", None) is None:
    for _name in [m for m in sys.modules if m == "envs" or m.startswith("envs.")]:
        del sys.modules[_name]

from envs.math.verify import Verifier  # noqa: E402


@pytest.fixture(scope="session")
def verifier() -> Iterator[Verifier]:
    with Verifier(workers=2, timeout=30.0) as pool:
        yield pool.start()
