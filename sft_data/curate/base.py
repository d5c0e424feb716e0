"""The shape every curation pass shares: a streaming generator transform with counts.

A pass takes an iterable of canonical records and yields records; a record it removes goes to
the reject sink (with its reason and its original source file and line) and is counted, so
`in + added == out + rejected` holds for each pass. Passes hold no list of records: anything
they keep is bounded (a batch, a heap of size N) or is a compact index (dedup hashes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from agent_rl.sft_data.report import Counts, Rejection, rejection_for

RejectSink = Callable[[Rejection], None]


def unit_hash(key: str, salt: str = "") -> float:
    """Deterministic value in [0, 1) from a string (record-id based sampling and tie-breaks)."""
    digest = hashlib.blake2b(f"{salt}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Pass:
    """Base class: subclasses implement `process(records)`; `__call__` counts in and out."""

    name = "pass"

    def __init__(self, on_reject: RejectSink | None = None) -> None:
        self.counts = Counts(self.name)
        self.on_reject = on_reject

    def reject(self, record: dict[str, Any], reason: str, detail: str = "") -> None:
        self.counts.rejected[reason] += 1
        if self.on_reject is not None:
            self.on_reject(rejection_for(record, reason, detail, self.name))

    def _count_in(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for rec in records:
            self.counts.n_in += 1
            yield rec

    def __call__(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for rec in self.process(self._count_in(records)):
            self.counts.n_out += 1
            yield rec

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        raise NotImplementedError


def batched(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Lists of up to `size` records, read lazily (passes that vectorise work per batch)."""
    batch: list[dict[str, Any]] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def user_text(record: dict[str, Any], side: str = "user") -> str:
    """The text a record is identified by: its user turns (`user`), plus system (`prompt`),
    or every message (`all`), joined with a separator that cannot occur in content."""
    roles = {"user": ("user",), "prompt": ("system", "user"), "all": ("system", "user", "assistant", "tool")}[side]
    return "\x1e".join(m.get("content", "") for m in record["messages"] if m.get("role") in roles)
