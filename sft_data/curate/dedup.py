"""Dedup: exact (normalised text hash) and near-duplicate (MinHash LSH) over the user side.

The first record of each duplicate family is kept, later ones are rejected as
`exact_duplicate` or `near_duplicate`. Near-duplicate means: some LSH band of the MinHash
signature equals a band of an earlier kept record; with `bands` bands of `rows` rows the
probability of that for a pair with Jaccard J is 1 - (1 - J^rows)^bands (64 perms, 8x8:
J=0.9 -> 0.99, J=0.8 -> 0.86, J=0.6 -> 0.13, J=0.4 -> 0.005).

Streaming: records go through in batches of `batch_size` (signatures computed per batch).
What grows is the key index, and only with kept records: 8 bytes for the exact key and 8 per
band (72 bytes per kept record with 8 bands; about 69 MB for a million kept records), plus
transient merge copies of at most 1/8 of it (`minhash.KeyIndex`). Everything else is bounded
by the batch: the records of one batch and MinHash temporaries of at most 8 MB.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from agent_rl.sft_data.curate.base import Pass, RejectSink, batched, user_text
from agent_rl.sft_data.curate.minhash import KeyIndex, MinHasher, band_keys, normalize

from agent_rl.errors import ConfigError


@dataclass
class DedupConfig:
    exact: bool = True
    near: bool = True
    side: str = "user"
    """Which text identifies a record: user, prompt (system + user) or all."""
    num_perm: int = 64
    bands: int = 8
    ngram: int = 5
    max_chars: int = 4096
    batch_size: int = 512
    seed: int = 1


class Dedup(Pass):
    name = "dedup"

    def __init__(self, config: DedupConfig | None = None, on_reject: RejectSink | None = None):
        super().__init__(on_reject)
        c = self.config = config or DedupConfig()
        if c.side not in ("user", "prompt", "all"):
            raise ConfigError(f"{c.side!r}; allowed: user, prompt, all", key="dedup.side")
        if c.bands < 1 or c.num_perm % c.bands:
            raise ConfigError(f"num_perm={c.num_perm} must be a multiple of bands={c.bands}", key="dedup.bands")
        self.hasher = MinHasher(c.num_perm, c.ngram, c.seed, c.max_chars)
        self.exact_index = KeyIndex()
        self.band_index = KeyIndex()

    @staticmethod
    def exact_key(text: str) -> int:
        return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for batch in batched(records, self.config.batch_size):
            yield from self._batch(batch)

    def _batch(self, batch: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        c = self.config
        texts = [normalize(user_text(r, c.side)) for r in batch]
        n = len(batch)
        exact = np.fromiter((self.exact_key(t) for t in texts), dtype=np.uint64, count=n)
        exact_seen = self.exact_index.contains(exact) if c.exact else np.zeros(n, dtype=bool)
        if c.near:
            bkeys = band_keys(self.hasher.signatures(texts), c.bands)
            band_seen = self.band_index.contains(bkeys).any(axis=1)
        else:
            bkeys = np.zeros((n, 0), dtype=np.uint64)
            band_seen = np.zeros(n, dtype=bool)
        batch_exact: set[int] = set()
        batch_bands: set[int] = set()
        kept = np.zeros(n, dtype=bool)
        for i, rec in enumerate(batch):
            ek = int(exact[i])
            if c.exact and (exact_seen[i] or ek in batch_exact):
                self.reject(rec, "exact_duplicate", "same normalised user text as an earlier record")
                continue
            row = [int(k) for k in bkeys[i]]
            if c.near and (band_seen[i] or any(k in batch_bands for k in row)):
                self.reject(rec, "near_duplicate", "MinHash LSH band match with an earlier record")
                continue
            batch_exact.add(ek)
            batch_bands.update(row)
            kept[i] = True
            yield rec
        if c.exact:
            self.exact_index.add(exact[kept])
        if c.near:
            self.band_index.add(bkeys[kept])
        self.counts.notes["index_bytes"] = self.exact_index.nbytes + self.band_index.nbytes
