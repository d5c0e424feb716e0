"""The `ChatFormat` interface every format implements, and the pieces they share.

Rollouts keep token ids in and out: the prompt is encoded once, the model's ids are kept as
produced, and each observation is encoded alone and appended. `check_prefix` is the guard that
this stays equal to what the template would render for the whole conversation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedTokenizerBase

from agent_rl.errors import AgentRLError
from agent_rl.messages import content_text

Message = Mapping[str, Any]

__all__ = ["ChatFormat", "Encoded", "Message", "PrefixError", "content_text"]


class PrefixError(AgentRLError, ValueError):
    """New ids would not extend the ids already in a trajectory (e.g. a system message mid-episode)."""


@dataclass
class Encoded:
    """Token ids of a conversation and a 0/1 loss mask of the same length (1 = trained)."""

    input_ids: list[int] = field(default_factory=list)
    loss_mask: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.input_ids)

    def extend(self, ids: Sequence[int], trainable: bool) -> None:
        self.input_ids.extend(ids)
        self.loss_mask.extend([1 if trainable else 0] * len(ids))


class ChatFormat(ABC):
    """Render, parse and tokenize conversations for one chat template.

    Messages and tool specs are the OpenAI-style dicts of docs/ARCHITECTURE.md section 1.
    """

    name: str = "base"
    tokenizer: PreTrainedTokenizerBase
    eos_token_id: int
    stop_token_ids: list[int]

    @abstractmethod
    def render(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
        add_generation_prompt: bool = False,
    ) -> str:
        """The conversation as the template writes it."""

    @abstractmethod
    def parse(
        self,
        text: str,
        thinking: bool = False,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """One assistant turn from model output; never raises (problems go to `parse_errors`)."""

    @abstractmethod
    def encode(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> Encoded:
        """Ids of the whole conversation with the loss mask on assistant segments."""

    @abstractmethod
    def encode_prompt(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> list[int]:
        """Ids of the conversation plus the generation prompt: what the policy continues."""

    @abstractmethod
    def encode_completion(self, assistant_message: Message, thinking: bool = False) -> list[int]:
        """Ids of one assistant turn as the model would emit them after the generation prompt."""

    @abstractmethod
    def encode_observation(
        self,
        new_messages: Sequence[Message],
        history: Sequence[Message],
        thinking: bool = False,
    ) -> list[int]:
        """Ids to append after the model's turn (results, user turns, next generation prompt)."""

    def render_completion(self, assistant_message: Message, thinking: bool = False) -> str:
        """Text of `encode_completion` (what `parse` reads back)."""
        return self.decode(self.encode_completion(assistant_message, thinking=thinking))

    def decode(self, ids: Sequence[int]) -> str:
        """Ids back to text, special tokens kept, no clean-up: decode(encode(x)) == render(x)."""
        return self.tokenizer.decode(
            list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False
        )

    def check_prefix(self, prev_ids: Sequence[int], new_ids: Sequence[int]) -> str | None:
        """None when `new_ids` extends `prev_ids`; otherwise where and in which turn they part."""
        n = len(prev_ids)
        if len(new_ids) >= n and list(new_ids[:n]) == list(prev_ids):
            return None
        pos = next(
            (i for i, (a, b) in enumerate(zip(prev_ids, new_ids, strict=False)) if a != b),
            min(n, len(new_ids)),
        )
        turn = self._turn_at(prev_ids, pos)
        lo = max(0, pos - 8)
        old = self.decode(prev_ids[lo : pos + 8])
        new = self.decode(new_ids[lo : pos + 8])
        if pos >= len(new_ids):
            what = f"new ids are shorter ({len(new_ids)}) than the previous ones ({n})"
        else:
            what = f"id {prev_ids[pos]} became {new_ids[pos]}"
        return (
            f"prefix violated at token {pos} (turn {turn}): {what}; "
            f"previous ...{old!r}... now ...{new!r}..."
        )

    def _turn_markers(self) -> set[int]:
        """Ids that open a turn, used to name the turn of a prefix violation."""
        return set()

    def _turn_at(self, ids: Sequence[int], pos: int) -> int:
        markers = self._turn_markers()
        return sum(1 for t in ids[:pos] if t in markers)
