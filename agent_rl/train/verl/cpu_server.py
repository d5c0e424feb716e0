"""A verl server manager that serves a transformers model on CPU (tests, demos, debugging).

verl's agent loops talk to `server_manager.generate(request_id, *, prompt_ids,
sampling_params, ...) -> TokenOutput`; in production that is vLLM or SGLang behind Ray. This
class answers the same call with the project's `TransformersPolicy` (real sampling with
per-token logprobs and seeds), so an agent loop runs inside verl's real worker classes on a
machine without a GPU. Importing it imports verl.
"""

from __future__ import annotations

from typing import Any

from verl.workers.rollout.replica import TokenOutput

from agent_rl.errors import ConfigError
from agent_rl.rollout.backends.base import GenerationContext, SamplingParams


class TransformersServerManager:
    """`generate(request_id, *, prompt_ids, sampling_params)` over a local `Policy`.

    `sampling_params` is verl's dict: `temperature`, `top_p`, `max_tokens` (required: verl's
    servers default it to the response length, which this stand-in does not know),
    `stop_token_ids` and `seed` are honoured; `top_k` other than -1/0 and a
    `repetition_penalty` other than 1 are refused rather than silently ignored.
    """

    def __init__(self, policy: Any) -> None:
        self.policy = policy
        self.requests: list[str] = []

    async def generate(
        self,
        request_id: str,
        *,
        prompt_ids: list[int],
        sampling_params: dict[str, Any],
        **kwargs: Any,
    ) -> TokenOutput:
        sp = dict(sampling_params)
        if sp.get("top_k", -1) not in (-1, 0, None):
            raise ConfigError(f"top_k={sp['top_k']} is not supported on CPU", key="top_k")
        if float(sp.get("repetition_penalty", 1.0)) != 1.0:
            raise ConfigError(
                "repetition_penalty is not supported on CPU", key="repetition_penalty"
            )
        if "max_tokens" not in sp:
            raise ConfigError("sampling_params needs max_tokens", key="max_tokens")
        params = SamplingParams(
            temperature=float(sp.get("temperature", 1.0)),
            top_p=float(sp.get("top_p", 1.0)),
            max_tokens=int(sp["max_tokens"]),
            stop_token_ids=tuple(int(t) for t in sp.get("stop_token_ids") or ()),
            seed=None if sp.get("seed") is None else int(sp["seed"]),
        )
        self.requests.append(str(request_id))
        gen = await self.policy.generate(list(prompt_ids), params, GenerationContext())
        return TokenOutput(
            token_ids=list(gen.token_ids),
            log_probs=None if gen.logprobs is None else list(gen.logprobs),
            stop_reason="completed" if gen.finish_reason == "stop" else "length",
            num_preempted=0,
        )
