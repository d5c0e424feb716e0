"""The policy contract: token ids in, token ids (with logprobs) out.

Every backend (transformers, vLLM, an OpenAI-compatible server, the oracle) implements
`Policy.generate`. The engine hands over the whole id sequence so far and appends exactly the
ids that come back, so backends never re-tokenize the history.
"""

from __future__ import annotations

import contextlib
import math
import weakref
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


def generation_problem(gen: Generation, vocab_size: int | None) -> str | None:
    """Why `gen` cannot enter a trajectory (None: it can).

    Ids are checked where they enter, not when training embeds them: each must be an integer
    in `[0, vocab_size)`; logprobs must be finite and not positive. A server that breaks this
    is faulty; its episode is a backend failure, never a normal trajectory.
    """
    for i, t in enumerate(gen.token_ids):
        if isinstance(t, bool) or not isinstance(t, int):
            return f"token {i} is not an integer id: {t!r:.40}"
        if t < 0 or (vocab_size is not None and t >= vocab_size):
            bound = f"[0, {vocab_size})" if vocab_size is not None else "[0, ...)"
            return f"token id {t} at position {i} is outside the vocabulary {bound}"
    if gen.logprobs is not None:
        for i, x in enumerate(gen.logprobs):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                return f"logprob {i} is not a finite number: {x!r:.40}"
            if x > 1e-6:
                return f"logprob {i} is positive ({x}); a log-probability is <= 0"
    return None


_vocab_sizes: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def vocab_size_of(chat_format: Any, ids: Sequence[int] = ()) -> int | None:
    """The number of ids the chat format's tokenizer can decode (None when unknown).

    Cached per tokenizer (`len` of a fast tokenizer costs ~0.2 ms, once per generated turn
    otherwise); counted again when one of `ids` is not below the cached size, since a
    vocabulary only grows (added tokens), so a stale cache never rejects a real id.
    """
    tok = getattr(chat_format, "tokenizer", None)
    if tok is None:
        return None
    try:
        size = _vocab_sizes.get(tok)
    except TypeError:  # not weak-referenceable: count every time
        size = None
    if size is None or any(i >= size for i in ids if isinstance(i, int)):
        try:
            size = len(tok)
        except TypeError:
            return None
        with contextlib.suppress(TypeError):
            _vocab_sizes[tok] = size
    return size
