"""`make_policy(spec)`: one string names a policy on the command line and in configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_rl.errors import ConfigError
from agent_rl.rollout.backends.base import Policy

POLICY_SPECS = (
    "oracle",
    "tiny",
    "PATH (a local transformers model directory)",
    "http://host:port/v1[#model] (OpenAI-compatible, token ids)",
    "chat+http://host:port/v1[#model] (OpenAI-compatible chat API, e.g. a teacher)",
    "vllm:PATH (in-process vLLM, GPU)",
)


def make_policy(
    spec: str, *, chat_format: Any = None, device: str | None = None, **kwargs: Any
) -> Policy:
    """Build a policy from a spec string (see `POLICY_SPECS`).

    `chat_format` is required by the oracle and chat APIs (to encode messages into ids) and used
    by the HTTP backend to decode ids. Extra keyword arguments go to the backend's constructor.
    """
    if spec == "oracle":
        if chat_format is None:
            raise ConfigError("the oracle policy needs a chat_format", key="policy")
        from agent_rl.rollout.backends.oracle import OraclePolicy

        return OraclePolicy(chat_format)
    if spec.startswith(("http://", "https://", "chat+http://", "chat+https://")):
        from agent_rl.rollout.backends.openai import OpenAIPolicy

        mode = "completions"
        if spec.startswith("chat+"):
            mode, spec = "chat", spec[len("chat+") :]
        url, _, model = spec.partition("#")
        return OpenAIPolicy(url, model or None, mode=mode, chat_format=chat_format, **kwargs)
    if spec.startswith("vllm:"):
        from agent_rl.rollout.backends.vllm import VLLMPolicy

        return VLLMPolicy(spec[len("vllm:") :], **kwargs)
    if spec == "tiny":
        from agent_rl.models import load_tiny_model
        from agent_rl.rollout.backends.hf import TransformersPolicy

        model, tokenizer = load_tiny_model()
        kwargs.setdefault("cpu_threads", 1)  # a 2.6M-parameter model gains nothing from more
        return TransformersPolicy(model, tokenizer, device=device, **kwargs)
    if Path(spec).is_dir():
        from transformers import AutoTokenizer

        from agent_rl.rollout.backends.hf import TransformersPolicy

        tokenizer = AutoTokenizer.from_pretrained(spec)
        return TransformersPolicy(spec, tokenizer, device=device, **kwargs)
    raise ConfigError(
        f"unknown policy {spec!r}; expected one of: " + "; ".join(POLICY_SPECS), key="policy"
    )
