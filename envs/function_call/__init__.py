"""Function-calling environments.

Public API:
    ToolWorldEnv      `agent_rl/ToolWorld-v0`: stateful simulated services (files, calendar,
                      bank, shop) judged by final state, milestones, minefields and the answer
    FunctionCallEnv   `agent_rl/FunctionCall-v0`: BFCL-shaped call matching on tasks the
                      project generates (never BFCL's test data), with BFCL's checker rules
    ExpectedCalls, WorldTarget                  typed targets
    WorldScorer, Episode                        the ToolWorld judge (reward rules: judge.py)
    ScriptedUser, PolicyUser                    simulated users
    load_tasks, shipped_tasks, task_schema      ToolWorld task files (JSONL + JSON Schema)
    pass_hat_k, toolworld_metrics               metrics (metrics.py)
"""

from __future__ import annotations

from agent_rl.lazy import lazy_exports

_LAZY = {
    "ToolWorldEnv": "agent_rl.envs.function_call.toolworld",
    "FunctionCallEnv": "agent_rl.envs.function_call.fc_env",
    "ExpectedCalls": "agent_rl.envs.function_call.targets",
    "WorldTarget": "agent_rl.envs.function_call.targets",
    "WorldScorer": "agent_rl.envs.function_call.judge",
    "Episode": "agent_rl.envs.function_call.judge",
    "ScriptedUser": "agent_rl.envs.function_call.user",
    "PolicyUser": "agent_rl.envs.function_call.user",
    "load_tasks": "agent_rl.envs.function_call.tasks",
    "shipped_tasks": "agent_rl.envs.function_call.tasks",
    "task_schema": "agent_rl.envs.function_call.tasks",
    "pass_hat_k": "agent_rl.envs.function_call.metrics",
    "toolworld_metrics": "agent_rl.envs.function_call.metrics",
}

__all__ = list(_LAZY)


__getattr__ = lazy_exports(__name__, _LAZY)
