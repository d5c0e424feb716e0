"""The policy contract: token ids in, token ids (with logprobs) out.

Every backend (transformers, vLLM, an OpenAI-compatible server, the oracle) implements
`Policy.generate`. The engine hands over the whole id sequence so far and appends exactly the
ids that come back, so backends never re-tokenize the history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class SamplingParams:
    """How to sample one completion.

    `temperature == 0` means greedy. `stop_token_ids` end the completion and are kept in it
    (the V3.1 loss mask covers the end token). `seed` makes sampling reproducible where the
    backend supports it.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 512
    stop_token_ids: tuple[int, ...] = ()
    seed: int | None = None

    def replace(self, **changes: Any) -> SamplingParams:
        from dataclasses import replace

        return replace(self, **changes)


@dataclass
class Generation:
    """One completion.

    `logprobs` holds the sampled tokens' logprobs under the temperature-scaled distribution
    (before top-p), the quantity verl's actor recomputes; None when the backend cannot give
    them (teacher chat APIs). `finish_reason` is "stop" (a stop token ended it) or "length".
    """

    token_ids: list[int]
    logprobs: list[float] | None = None
    text: str = ""
    finish_reason: str = "stop"
    info: dict[str, Any] = field(default_factory=dict)


def _no_reference() -> dict[str, Any] | None:
    return None


@dataclass
class GenerationContext:
    """What a backend may know besides the ids: the conversation (chat APIs), the reference
    answer (oracle), the thinking flag and which episode asks (logging)."""

    messages: Sequence[dict[str, Any]] = ()
    tools: Sequence[dict[str, Any]] = ()
    reference: Callable[[], dict[str, Any] | None] = _no_reference
    thinking: bool = False
    episode: str = ""


@runtime_checkable
class Policy(Protocol):
    """Anything that turns prompt ids into a completion."""

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation: ...


def decode_ids(chat_format: Any, ids: Sequence[int]) -> str:
    """Completion ids to the text the parser reads: special tokens kept, no space clean-up."""
    decode = getattr(chat_format, "decode", None)
    if decode is not None:
        return str(decode(list(ids)))
    return str(
        chat_format.tokenizer.decode(
            list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False
        )
    )
