"""Lazy public names for a package's `__init__.py`: the one loader every package uses.

A package names its public API up front but imports heavy modules (torch, math-verify, verl,
Docker's SDK) only when one of those names is first used, so `import agent_rl.envs` and
`agent-rl --help` stay fast. Example, at the bottom of an `__init__.py`:

    _LAZY = {"MathEnv": "agent_rl.envs.math"}
    __getattr__ = lazy_exports(__name__, _LAZY)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(module_name: str, table: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `table[name]` on first use and caches the value."""

    def __getattr__(name: str) -> Any:
        source = table.get(name)
        if source is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(sys.modules[module_name], name, value)
        return value

    return __getattr__
