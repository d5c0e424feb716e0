"""Policy backends behind one protocol: token ids in, token ids with logprobs out.

Heavy backends (transformers, vLLM, httpx) are imported on first use of their names.
"""

from __future__ import annotations

from typing import Any

from agent_rl.rollout.backends.base import Generation, GenerationContext, Policy, SamplingParams
from agent_rl.rollout.backends.factory import POLICY_SPECS, make_policy
from agent_rl.rollout.backends.oracle import OraclePolicy

_LAZY = {
    "TransformersPolicy": "agent_rl.rollout.backends.hf",
    "OpenAIPolicy": "agent_rl.rollout.backends.openai",
    "VLLMPolicy": "agent_rl.rollout.backends.vllm",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "POLICY_SPECS",
    "Generation",
    "GenerationContext",
    "OpenAIPolicy",
    "OraclePolicy",
    "Policy",
    "SamplingParams",
    "TransformersPolicy",
    "VLLMPolicy",
    "make_policy",
]
