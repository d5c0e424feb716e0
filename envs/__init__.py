"""agent-rl environments: Gymnasium envs that speak chat messages.

Public API:
    AgentEnv, StepOutcome, ValidationReport, Task, Message        (the env contract)
    Score, Scorer, ExtractionMode                                  (scoring)
    Target, RawTarget                                              (typed task targets)
    shared_tasks, split_tasks, in_test_split, disjoint_from       (task sources and splits)
    MessagesSpace, AssistantMessageSpace, spaces                  (Gymnasium spaces)
    register, register_env, make, list_envs, registered_envs,
    load_entry_points, register_builtin_envs                      (registry)
    MathEnv, CalculatorEnv, Verifier, Verdict, load_tasks, ...    (math envs, imported lazily)

`import envs` registers the built-in ids (cheap: entry points are strings) and imports neither
math-verify nor reasoning-gym; those load when a math env is built.
"""

from __future__ import annotations

from agent_rl.envs.core import spaces
from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, ValidationReport, tool_call
from agent_rl.envs.core.registry import (
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
from agent_rl.envs.core.scoring import EXTRACTION_MODES, ExtractionMode, Score, Scorer
from agent_rl.envs.core.source import (
    SPLITS,
    clear_shared_tasks,
    disjoint_from,
    in_test_split,
    shared_tasks,
    split_key,
    split_tasks,
)
from agent_rl.envs.core.spaces import AssistantMessageSpace, MessagesSpace
from agent_rl.envs.core.task import RawTarget, Target, Task

from agent_rl.lazy import lazy_exports

BUILTIN_ENVS: dict[str, tuple[str, str]] = {
    "agent_rl/Math-v0": (
        "agent_rl.envs.math.env:MathEnv",
        "Math word problems (GSM8K/MATH layouts, reasoning-gym), verified with math-verify",
    ),
    "agent_rl/Calculator-v0": (
        "agent_rl.envs.math.calculator_env:CalculatorEnv",
        "Multi-digit arithmetic solved by calling a calculator tool, then answering",
    ),
    "agent_rl/Code-v0": (
        "agent_rl.envs.code.env:CodeEnv",
        "Python programming tasks (HumanEval, MBPP, stdin/stdout) graded in a sandbox",
    ),
    "agent_rl/SWE-v0": ("agent_rl.envs.swe.env:SWEEnv", "Repository repair (SWE-bench format): shell, editor, search, submit"),
    "agent_rl/SearchSession-v0": ("agent_rl.envs.search.env:SearchSessionEnv", "Multi-turn search sessions: search/open tools, a simulated user, grounded answers"),
    "agent_rl/ToolWorld-v0": ("agent_rl.envs.function_call.toolworld:ToolWorldEnv", "Stateful simulated services (files, calendar, bank, shop) judged by final state, milestones and minefields"),
    "agent_rl/FunctionCall-v0": ("agent_rl.envs.function_call.fc_env:FunctionCallEnv", "BFCL-shaped function calling on generated tasks, graded with BFCL's checker rules"),
}


def register_builtin_envs() -> None:
    """Register agent-rl's own envs (idempotent; also the `builtin` entry point)."""
    for env_id, (entry_point, description) in BUILTIN_ENVS.items():
        register(env_id, entry_point, description=description)


register_builtin_envs()

_LAZY = {
    "MathEnv": "agent_rl.envs.math",
    "CodeEnv": "agent_rl.envs.code",
    "CalculatorEnv": "agent_rl.envs.math",
    "Verifier": "agent_rl.envs.math",
    "Verdict": "agent_rl.envs.math",
    "get_verifier": "agent_rl.envs.math",
    "load_tasks": "agent_rl.envs.math",
    "extract_answer": "agent_rl.envs.math",
    "calculate": "agent_rl.envs.math",
    "calculator_tool": "agent_rl.envs.math",
}

__all__ = [
    "BUILTIN_ENVS",
    "EXTRACTION_MODES",
    "SPLITS",
    "ExtractionMode",
    "RawTarget",
    "Score",
    "Scorer",
    "Target",
    "clear_shared_tasks",
    "disjoint_from",
    "in_test_split",
    "shared_tasks",
    "split_key",
    "split_tasks",
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


__getattr__ = lazy_exports(__name__, _LAZY)
