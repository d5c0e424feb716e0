"""Tokenized training samples from canonical records, through the project's chat format.

The chat format (`agent_rl.chat_format`) is the one renderer: ids and loss masks come from its
`encode`, so the local trainer sees exactly what rollouts produce. `meta.thinking` (set by the
think-mixing pass) picks thinking-mode rendering per record.
"""

from __future__ import annotations

from typing import Any

from sft_data.convert import Encoder


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
        return {
            "id": record["id"],
            "input_ids": list(enc.input_ids),
            "loss_mask": list(enc.loss_mask),
            "thinking": thinking,
            "num_tokens": len(enc.input_ids),
        }

    return encode
