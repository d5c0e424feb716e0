"""Policy backends behind one protocol: token ids in, token ids with logprobs out.

Heavy backends (transformers, vLLM, httpx) are imported on first use of their names.
"""

from __future__ import annotations

from agent_rl.lazy import lazy_exports
from agent_rl.rollout.backends.base import Generation, GenerationContext, Policy, SamplingParams
from agent_rl.rollout.backends.factory import POLICY_SPECS, make_policy
from agent_rl.rollout.backends.oracle import OraclePolicy

_LAZY = {
    "TransformersPolicy": "agent_rl.rollout.backends.hf",
    "OpenAIPolicy": "agent_rl.rollout.backends.openai",
    "VLLMPolicy": "agent_rl.rollout.backends.vllm",
}


__getattr__ = lazy_exports(__name__, _LAZY)


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
