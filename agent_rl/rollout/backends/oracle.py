"""The oracle: answers with the env's reference action, for validation and demos.

The reference message goes through the chat format exactly as a model's completion would
(`encode_completion`), so an oracle rollout exercises the same ids, masks, parser and env
code as a real one; `--policy oracle` on a correct env must score 1.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent_rl.errors import InfraError
from agent_rl.rollout.backends.base import Generation, GenerationContext, SamplingParams, decode_ids


def encode_completion(chat_format: Any, message: dict[str, Any], thinking: bool) -> list[int]:
    """Ids of an assistant message as the policy would emit them after the generation prompt.

    One shared implementation lives in the chat format (`encode_completion`); a format
    without it cannot serve the oracle or chat-API backends, and says so.
    """
    fn = getattr(chat_format, "encode_completion", None)
    if fn is not None:
        return list(fn(message, thinking=thinking))
    raise InfraError(
        f"{type(chat_format).__name__} has no encode_completion(message, thinking); "
        "the oracle and chat-API backends need it"
    )


class OraclePolicy:
    """Policy that plays `context.reference()` (the env's `reference_action()`)."""

    def __init__(self, chat_format: Any) -> None:
        self.chat_format = chat_format

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        message = context.reference()
        if message is None:
            raise InfraError("env has no reference_action() for this state; oracle cannot answer")
        if isinstance(message, str):
            message = {"role": "assistant", "content": message}
        ids = encode_completion(self.chat_format, dict(message), context.thinking)
        finish = "stop"
        if len(ids) > params.max_tokens:
            ids, finish = ids[: params.max_tokens], "length"
        text = decode_ids(self.chat_format, ids)
        return Generation(token_ids=ids, logprobs=[0.0] * len(ids), text=text, finish_reason=finish)
