"""vLLM as an in-process GPU backend (optional: `pip install agent-rl[vllm]`).

vLLM is imported lazily so that the rest of agent-rl installs and runs without it. The async
engine does its own continuous batching, so this class only translates the request.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from agent_rl.errors import ConfigError, InfraError
from agent_rl.rollout.backends.base import Generation, GenerationContext, SamplingParams


class VLLMPolicy:
    """Generate with `vllm.AsyncLLMEngine` from token ids, returning ids and logprobs."""

    _ids = itertools.count()

    def __init__(self, model: str, *, tokenizer: Any = None, **engine_kwargs: Any) -> None:
        try:
            from vllm import AsyncEngineArgs, AsyncLLMEngine
        except ImportError as exc:
            raise ConfigError(
                "vLLM is not installed; `pip install agent-rl[vllm]` on a CUDA machine",
                key="policy",
            ) from exc
        args = AsyncEngineArgs(model=model, **engine_kwargs)
        self.engine = AsyncLLMEngine.from_engine_args(args)
        self.tokenizer = tokenizer

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        import vllm

        sp = vllm.SamplingParams(
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            stop_token_ids=list(params.stop_token_ids),
            seed=params.seed,
            logprobs=0,
            skip_special_tokens=False,
        )
        final = None
        request_id = f"agent-rl-{next(self._ids)}"
        prompt = {"prompt_token_ids": [int(t) for t in prompt_ids]}
        async for out in self.engine.generate(prompt, sp, request_id=request_id):
            final = out
        if final is None or not final.outputs:
            raise InfraError(f"vLLM returned no output for request {request_id}")
        o = final.outputs[0]
        ids = list(o.token_ids)
        logprobs = [float(step[t].logprob) for step, t in zip(o.logprobs or [], ids, strict=False)]
        if len(logprobs) != len(ids):
            logprobs = None
        finish = "length" if o.finish_reason == "length" else "stop"
        return Generation(token_ids=ids, logprobs=logprobs, text=o.text, finish_reason=finish)
