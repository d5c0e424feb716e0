"""make_policy specs, and the optional vLLM backend (GPU only)."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import pytest

from agent_rl.errors import ConfigError
from agent_rl.rollout import (
    GenerationContext,
    OpenAIPolicy,
    OraclePolicy,
    SamplingParams,
    TransformersPolicy,
    make_policy,
)


def test_specs(chat_format: Any) -> None:
    assert isinstance(make_policy("oracle", chat_format=chat_format), OraclePolicy)
    pol = make_policy("http://127.0.0.1:9/v1#m", chat_format=chat_format)
    assert (
        isinstance(pol, OpenAIPolicy)
        and pol.model == "m"
        and pol.base_url == "http://127.0.0.1:9/v1"
    )
    assert pol.mode == "completions"
    tiny = make_policy("tiny")
    assert isinstance(tiny, TransformersPolicy) and tiny.cpu_threads == 1
    with pytest.raises(ConfigError, match="oracle policy needs a chat_format"):
        make_policy("oracle")
    with pytest.raises(ConfigError, match="unknown policy"):
        make_policy("/no/such/dir")
    with pytest.raises(ConfigError, match="chat mode needs a chat_format"):
        make_policy("chat+http://127.0.0.1:9/v1")


def test_local_model_directory(tmp_path: Any, chat_format: Any) -> None:
    from agent_rl.models import tiny_model_path

    pol = make_policy(str(tiny_model_path()), chat_format=chat_format, cpu_threads=1)
    assert isinstance(pol, TransformersPolicy)
    ids = chat_format.encode_prompt([{"role": "user", "content": "hi"}])
    gen = asyncio.run(
        pol.generate(ids, SamplingParams(temperature=0.0, max_tokens=3), GenerationContext())
    )
    assert len(gen.token_ids) == len(gen.logprobs) == 3


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda(), reason="vLLM backend needs a CUDA GPU; none on this machine")
@pytest.mark.skipif(
    importlib.util.find_spec("vllm") is None, reason="vllm is not installed (extra: agent-rl[vllm])"
)
def test_vllm_matches_transformers_greedy(chat_format: Any) -> None:
    from agent_rl.models import tiny_model_path
    from agent_rl.rollout import VLLMPolicy

    path = str(tiny_model_path())
    vpol = VLLMPolicy(path, gpu_memory_utilization=0.2, enforce_eager=True)
    hpol = make_policy(path, chat_format=chat_format)
    ids = chat_format.encode_prompt([{"role": "user", "content": "What is 2+2?"}])
    params = SamplingParams(
        temperature=0.0, max_tokens=8, stop_token_ids=tuple(chat_format.stop_token_ids)
    )
    a = asyncio.run(vpol.generate(ids, params, GenerationContext()))
    b = asyncio.run(hpol.generate(ids, params, GenerationContext()))
    assert a.token_ids == b.token_ids
    assert a.logprobs == pytest.approx(b.logprobs, abs=1e-2)
