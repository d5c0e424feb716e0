"""agent-rl environments: Gymnasium envs that speak chat messages.

Public API:
    AgentEnv, StepOutcome, ValidationReport, Task, Message        (the env contract)
    MessagesSpace, AssistantMessageSpace, spaces                  (Gymnasium spaces)
    register, register_env, make, list_envs, registered_envs,
    load_entry_points, register_builtin_envs                      (registry)
    MathEnv, CalculatorEnv, Verifier, Verdict, load_tasks, ...    (math envs, imported lazily)

`import envs` registers the built-in ids (cheap: entry points are strings) and imports neither
math-verify nor reasoning-gym; those load when a math env is built.
"""

from __future__ import annotations

import importlib
from typing import Any

from envs.core import spaces
from envs.core.env import AgentEnv, Message, StepOutcome, ValidationReport, tool_call
from envs.core.registry import (
    ENTRY_POINT_GROUP,
    EnvEntry,
    list_envs,
    load_entry_points,
    make,
    register,
    register_env,
    registered_envs,
    unregister,
)
from envs.core.spaces import AssistantMessageSpace, MessagesSpace
from envs.core.task import Task

BUILTIN_ENVS: dict[str, tuple[str, str]] = {
    "agent_rl/Math-v0": (
        "envs.math.env:MathEnv",
        "Math word problems (GSM8K/MATH layouts, reasoning-gym), verified with math-verify",
    ),
    "agent_rl/Calculator-v0": (
        "envs.math.calculator_env:CalculatorEnv",
        "Multi-digit arithmetic solved by calling a calculator tool, then answering",
    ),
    "agent_rl/Code-v0": (
        "envs.code.env:CodeEnv",
        "Python programming tasks (HumanEval, MBPP, stdin/stdout) graded in a sandbox",
    ),
}


def register_builtin_envs() -> None:
    """Register agent-rl's own envs (idempotent; also the `builtin` entry point)."""
    for env_id, (entry_point, description) in BUILTIN_ENVS.items():
        register(env_id, entry_point, description=description)


register_builtin_envs()

_LAZY = {
    "MathEnv": "envs.math",
    "CodeEnv": "envs.code",
    "CalculatorEnv": "envs.math",
    "Verifier": "envs.math",
    "Verdict": "envs.math",
    "get_verifier": "envs.math",
    "load_tasks": "envs.math",
    "extract_answer": "envs.math",
    "calculate": "envs.math",
    "calculator_tool": "envs.math",
}

__all__ = [
    "BUILTIN_ENVS",
    "ENTRY_POINT_GROUP",
    "AgentEnv",
    "AssistantMessageSpace",
    "EnvEntry",
    "Message",
    "MessagesSpace",
    "StepOutcome",
    "Task",
    "ValidationReport",
    "list_envs",
    "load_entry_points",
    "make",
    "register",
    "register_builtin_envs",
    "register_env",
    "registered_envs",
    "spaces",
    "tool_call",
    "unregister",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'envs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
