"""THE conversation encoder every path into training uses (SFT data tools, `agent-rl train sft`,
DPO pairs): one place reads a record's thinking mode, and the chat format's `encode` masks
turns with `weight: 0` (`agent_rl.messages`), so no path can train a turn the user excluded.

A record is `{"messages": [...], "tools": [...]?, "meta": {"thinking": bool}?}`; a top-level
`"thinking"` (the trainer's older spelling) is read when `meta.thinking` is absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_rl.chat_format.base import ChatFormat, Encoded


def record_thinking(record: Mapping[str, Any]) -> bool:
    """Thinking-mode rendering for this record: `meta.thinking`, else top-level `thinking`."""
    meta = record.get("meta")
    if isinstance(meta, Mapping) and "thinking" in meta:
        return bool(meta["thinking"])
    return bool(record.get("thinking", False))


def encode_record(
    chat_format: ChatFormat, record: Mapping[str, Any], max_tokens: int | None = None
) -> Encoded:
    """Ids and loss mask of one conversation record (weight-0 assistant turns untrained).

    With `max_tokens`, a longer sample raises `ValueError` (callers reject it, never cut it).
    """
    enc = chat_format.encode(
        record["messages"], tools=record.get("tools") or None, thinking=record_thinking(record)
    )
    if max_tokens is not None and len(enc.input_ids) > max_tokens:
        raise ValueError(f"{len(enc.input_ids)} tokens > max_tokens={max_tokens}")
    return enc
