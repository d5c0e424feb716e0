"""Think-mixing: a chosen share of the samples that carry reasoning become thinking-mode targets.

A record is eligible when a plain assistant turn (no tool calls) carries `reasoning_content`
and the record has no tool-call turn: DeepSeek-V3.1 documents tool calls as non-thinking only,
so tool-call turns always lose their reasoning and such records render non-thinking. Among
eligible records, `unit_hash(id, seed) < share` selects thinking mode, so the choice is
deterministic per record and stable across runs and shards. The choice is written to
`meta.thinking`, which the tokenizer (`agent_rl.sft_data.encode`) and the parquet `enable_thinking`
column use; non-thinking records lose their reasoning (the template drops it anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from agent_rl.sft_data.curate.base import Pass, RejectSink, unit_hash


@dataclass
class ThinkMixConfig:
    share: float = 0.5
    """Fraction of eligible records (those with reasoning) rendered as thinking targets."""
    seed: str = "think-mix"
    """Salt of the per-record hash: change it to draw another subset."""


class ThinkMix(Pass):
    name = "think_mix"

    def __init__(self, config: ThinkMixConfig | None = None, on_reject: RejectSink | None = None):
        super().__init__(on_reject)
        self.config = config or ThinkMixConfig()
        if not 0.0 <= self.config.share <= 1.0:
            from agent_rl.errors import ConfigError

            raise ConfigError(f"must be in [0, 1], got {self.config.share}", key="think_mix.share")

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        share, seed, notes = self.config.share, self.config.seed, self.counts.notes
        for rec in records:
            has_calls = any(m.get("tool_calls") for m in rec["messages"])
            messages = []
            eligible = False
            for m in rec["messages"]:
                if m.get("role") == "assistant" and "reasoning_content" in m:
                    if m.get("tool_calls"):
                        m = {k: v for k, v in m.items() if k != "reasoning_content"}
                        notes["tool_call_reasoning_stripped"] += 1
                    elif m["reasoning_content"].strip():
                        eligible = not has_calls
                messages.append(m)
            thinking = eligible and unit_hash(rec["id"], seed) < share
            if not thinking:
                messages = [
                    {k: v for k, v in m.items() if k != "reasoning_content"} if "reasoning_content" in m else m
                    for m in messages
                ]
            if eligible:
                notes["eligible"] += 1
            elif has_calls:  # V3.1 renders tool-call records non-thinking
                notes["ineligible_has_tool_calls"] += 1
            else:
                notes["ineligible_no_reasoning"] += 1
            notes["thinking" if thinking else "non_thinking"] += 1
            yield {**rec, "messages": messages, "meta": {**rec.get("meta", {}), "thinking": thinking}}
