"""Tokenized training samples from canonical records, through the project's chat format.

The chat format (`agent_rl.chat_format`) is the one renderer: ids and loss masks come from its
`encode`, so the local trainer sees exactly what rollouts produce. `meta.thinking` (set by the
think-mixing pass) picks thinking-mode rendering per record.
"""

from __future__ import annotations

from typing import Any

from agent_rl.sft_data.convert import Encoder


def make_encoder(chat_format: Any = None, max_tokens: int | None = None) -> Encoder:
    """A function record -> `{"id", "input_ids", "loss_mask", "thinking", "num_tokens"}`.

    `chat_format` defaults to `get_chat_format("deepseek_v31")` (the tiny tokenizer);
    with `max_tokens`, longer samples raise `ValueError` (rejected as `encode_error`).
    """
    if chat_format is None:
        from agent_rl.chat_format import get_chat_format

        chat_format = get_chat_format("deepseek_v31")

    def encode(record: dict[str, Any]) -> dict[str, Any]:
        thinking = bool(record.get("meta", {}).get("thinking", False))
        enc = chat_format.encode(record["messages"], tools=record.get("tools") or None, thinking=thinking)
        if max_tokens is not None and len(enc.input_ids) > max_tokens:
            raise ValueError(f"{len(enc.input_ids)} tokens > max_tokens={max_tokens}")
        loss_mask = list(enc.loss_mask)
        weights = [m.get("weight", 1) for m in record["messages"] if m.get("role") == "assistant"]
        if 0 in weights:
            _drop_weight0(loss_mask, enc.input_ids, weights, chat_format.eos_token_id)
        return {
            "id": record["id"],
            "input_ids": list(enc.input_ids),
            "loss_mask": loss_mask,
            "thinking": thinking,
            "num_tokens": len(enc.input_ids),
        }

    return encode


def _drop_weight0(loss_mask: list[int], ids: Any, weights: list[int], eos: int) -> None:
    """Clear the loss of assistant messages with weight 0, in place.

    The chat format masks each assistant segment through its end-of-sentence token, so the
    trainable spans, cut after each EOS, are the assistant messages in order.
    """
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i, bit in enumerate(loss_mask):
        if not bit:
            if start is not None:
                spans.append((start, i))
                start = None
            continue
        if start is None:
            start = i
        if ids[i] == eos:
            spans.append((start, i + 1))
            start = None
    if start is not None:
        spans.append((start, len(loss_mask)))
    if len(spans) != len(weights):
        raise ValueError(f"{len(weights)} assistant messages but {len(spans)} trainable spans: cannot apply weight 0")
    for (a, b), w in zip(spans, weights, strict=True):
        if w == 0:
            loss_mask[a:b] = [0] * (b - a)
