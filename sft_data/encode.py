"""Tokenized training samples from canonical records, through the project's chat format.

Named `encode` (not `tokenize`, a stdlib module). The encoding itself is
`agent_rl.chat_format.conversation.encode_record`, the same function `agent-rl train sft` and
DPO use: `meta.thinking` picks thinking-mode rendering and `weight: 0` turns are never trained.
"""

from __future__ import annotations

from typing import Any

from agent_rl.sft_data.convert import Encoder


def make_encoder(chat_format: Any = None, max_tokens: int | None = None) -> Encoder:
    """A function record -> `{"id", "input_ids", "loss_mask", "thinking", "num_tokens"}`.

    `chat_format` defaults to `get_chat_format("deepseek_v31")` (the tiny tokenizer);
    with `max_tokens`, longer samples raise `ValueError` (rejected as `encode_error`).
    """
    # Imported here: the chat format loads transformers and torch (seconds), which a command
    # that fails on a missing input, or converts without tokenizing, never needs.
    from agent_rl.chat_format.conversation import encode_record, record_thinking

    if chat_format is None:
        from agent_rl.chat_format import get_chat_format

        chat_format = get_chat_format("deepseek_v31")

    def encode(record: dict[str, Any]) -> dict[str, Any]:
        enc = encode_record(chat_format, record, max_tokens)
        return {
            "id": record["id"],
            "input_ids": list(enc.input_ids),
            "loss_mask": list(enc.loss_mask),
            "thinking": record_thinking(record),
            "num_tokens": len(enc.input_ids),
        }

    return encode
