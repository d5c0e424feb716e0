"""Multi-turn rollouts: the async engine, policy backends and token-exact trajectories.

from agent_rl.rollout import RolloutEngine, make_policy
engine = RolloutEngine("agent_rl/Math-v0", make_policy("oracle", chat_format=cf), cf)
trajectories = engine.run(n=8)
"""

from __future__ import annotations

from agent_rl.lazy import lazy_exports
from agent_rl.rollout.backends import (
    POLICY_SPECS,
    Generation,
    GenerationContext,
    OraclePolicy,
    Policy,
    SamplingParams,
    make_policy,
)
from agent_rl.rollout.engine import RolloutEngine, RolloutLimits, env_factory
from agent_rl.rollout.episode import Episode, GenerateFn
from agent_rl.rollout.summary import RolloutSummary, TrajectoryStats, trajectory_stats
from agent_rl.rollout.trajectory import (
    FAILED_TERMINATIONS,
    TERMINATIONS,
    Trajectory,
    read_jsonl,
    write_jsonl,
)

_LAZY = {
    "TransformersPolicy": "agent_rl.rollout.backends.hf",
    "OpenAIPolicy": "agent_rl.rollout.backends.openai",
    "VLLMPolicy": "agent_rl.rollout.backends.vllm",
    "serve": "agent_rl.rollout.serve",
    "PolicyServer": "agent_rl.rollout.serve",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "FAILED_TERMINATIONS",
    "POLICY_SPECS",
    "TERMINATIONS",
    "Episode",
    "GenerateFn",
    "Generation",
    "GenerationContext",
    "OpenAIPolicy",
    "OraclePolicy",
    "Policy",
    "PolicyServer",
    "RolloutEngine",
    "RolloutLimits",
    "RolloutSummary",
    "SamplingParams",
    "Trajectory",
    "TrajectoryStats",
    "TransformersPolicy",
    "VLLMPolicy",
    "env_factory",
    "make_policy",
    "read_jsonl",
    "serve",
    "trajectory_stats",
    "write_jsonl",
]
