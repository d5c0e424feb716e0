"""Access to the installed `bfcl-eval` package: its data, simulated APIs and reference checkers.

bfcl-eval is installed without its dependencies (`pip install --no-deps bfcl-eval`, see
scripts/setup.sh): its checkers import every model SDK through
`bfcl_eval.constants.model_config`, so a small stand-in module with a `MODEL_CONFIG_MAPPING`
(every name maps to `underscore_to_dot=False`: our tool names keep their dots) goes into
`sys.modules` first. `bfcl_eval.constants.eval_config` creates result folders under
`BFCL_PROJECT_ROOT` at import; we point it at a cache folder instead of site-packages.

bfcl-eval is used only for its data, its simulated API classes and the agreement checks;
grading uses the project's own checker (`agent_rl.evals.bfcl.checker`).
"""

from __future__ import annotations

import os
import sys
import threading
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_rl.errors import ConfigError

_LOCK = threading.Lock()
_READY = False


@dataclass(frozen=True)
class _ModelConfig:
    """What bfcl-eval's checkers read from a model's config: names keep their dots."""

    underscore_to_dot: bool = False
    is_fc_model: bool = True


class _AnyModel(dict):
    def __missing__(self, key: str) -> _ModelConfig:
        return _ModelConfig()


def cache_root() -> Path:
    """Where bfcl-eval may write its result/score/lock folders (never site-packages)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agent-rl" / "bfcl-eval"


def ensure_importable() -> None:
    """Install the `model_config` stand-in and the project root once per process.

    Raises:
        ConfigError: when bfcl-eval is not installed (with the command that installs it).
    """
    global _READY
    if _READY:
        return
    with _LOCK:
        if _READY:
            return
        import importlib.util

        if importlib.util.find_spec("bfcl_eval") is None:
            raise ConfigError(
                "bfcl-eval is not installed: run `pip install --no-deps bfcl-eval filelock "
                "rank_bm25 overrides` (scripts/setup.sh does this)",
                key="bfcl",
            )
        os.environ.setdefault("BFCL_PROJECT_ROOT", str(cache_root()))
        name = "bfcl_eval.constants.model_config"
        if name not in sys.modules:
            stub = types.ModuleType(name)
            stub.MODEL_CONFIG_MAPPING = _AnyModel()  # type: ignore[attr-defined]
            sys.modules[name] = stub
        _READY = True


def utils() -> Any:
    """`bfcl_eval.utils` (dataset loading)."""
    ensure_importable()
    import bfcl_eval.utils as bfcl_utils

    return bfcl_utils


def ast_checker() -> Any:
    """bfcl-eval's own `ast_checker` (the reference our checker must agree with)."""
    ensure_importable()
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker as reference

    return reference


def multi_turn_checker() -> Any:
    """bfcl-eval's own `multi_turn_checker` (state + response checks over its APIs)."""
    ensure_importable()
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import (
        multi_turn_checker as reference,
    )

    return reference


def language_python() -> Any:
    ensure_importable()
    from bfcl_eval.constants.enums import Language

    return Language.PYTHON


def api_class(class_name: str) -> type:
    """One of BFCL's simulated API classes (GorillaFileSystem, TwitterAPI, ...), imported."""
    ensure_importable()
    import importlib

    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

    module_name = CLASS_FILE_PATH_MAPPING.get(class_name)
    if module_name is None:
        raise ConfigError(f"unknown BFCL API class {class_name!r}", key="involved_classes")
    return getattr(importlib.import_module(module_name), class_name)


def stateless_classes() -> tuple[str, ...]:
    ensure_importable()
    from bfcl_eval.constants.executable_backend_config import STATELESS_CLASSES

    return tuple(STATELESS_CLASSES)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("bfcl-eval")
    except PackageNotFoundError:
        return "not installed"
