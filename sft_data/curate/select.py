"""Selection: keep N records by quality and diversity, for cuts like 4.7M -> 1.5M.

The rule (deterministic, order-independent):
1. Each record has a quality score (`meta.quality.score` from the quality pass, else 1.0)
   and a cluster: the MinHash of its user side with `cluster_rows` permutations, so two
   records share a cluster with probability J^rows (J = Jaccard of their character n-grams):
   paraphrases of one task land together, unrelated tasks apart.
2. No cluster may hold more than `cap = max(1, ceil(n * max_cluster_share))` records.
3. Among records allowed by the caps, keep the N with the highest (score, tie-break) where
   the tie-break is a hash of the id (a random but reproducible order).

Streaming with bounded memory: pass 1 keeps, per cluster, a min-heap of its best `cap`
entries and one global min-heap of size N over (score, tie-break, index) tuples (lazy
deletion), never records; the records themselves are spooled to a temporary JSONL file
and pass 2 re-reads it and emits the selected indices in input order. Memory is O(N) small
tuples (clusters with nothing kept are forgotten); rejected records get reason
`not_selected` (notes count how often a cluster cap decided).
"""

from __future__ import annotations

import heapq
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from agent_rl.sft_data.curate.base import Pass, RejectSink, batched, unit_hash, user_text
from agent_rl.sft_data.curate.minhash import MinHasher, normalize

from agent_rl.errors import ConfigError


@dataclass
class SelectConfig:
    n: int = 1000
    max_cluster_share: float = 0.01
    cluster_rows: int = 2
    side: str = "user"
    seed: str = "select"
    batch_size: int = 512


class Select(Pass):
    name = "select"

    def __init__(self, config: SelectConfig | None = None, on_reject: RejectSink | None = None):
        super().__init__(on_reject)
        c = self.config = config or SelectConfig()
        if c.n < 1:
            raise ConfigError(f"must be >= 1, got {c.n}", key="select.n")
        if not 0 < c.max_cluster_share <= 1:
            raise ConfigError(f"must be in (0, 1], got {c.max_cluster_share}", key="select.max_cluster_share")
        self.cap = max(1, math.ceil(c.n * c.max_cluster_share))
        self.hasher = MinHasher(num_perm=c.cluster_rows, seed=7)

    def _clusters(self, batch: list[dict[str, Any]]) -> list[int]:
        sigs = self.hasher.signatures([normalize(user_text(r, self.config.side)) for r in batch])
        return [hash(row.tobytes()) for row in sigs.astype(np.uint32)]

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        c = self.config
        fd, spool = tempfile.mkstemp(prefix="sft-select-", suffix=".jsonl")
        try:
            per_cluster: dict[int, list[tuple[float, float, int]]] = {}
            top: list[tuple[float, float, int]] = []  # global min-heap of admitted entries
            alive: set[int] = set()
            index = 0
            with os.fdopen(fd, "w", encoding="utf-8") as fh:

                def admit(batch: list[dict[str, Any]]) -> None:
                    nonlocal index
                    for rec, cl in zip(batch, self._clusters(batch), strict=False):
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                        q = rec.get("meta", {}).get("quality", {})
                        entry = (float(q.get("score", 1.0)), unit_hash(rec["id"], c.seed), index)
                        index += 1
                        heap = per_cluster.setdefault(cl, [])
                        if len(heap) >= self.cap:
                            if entry <= heap[0]:
                                self.counts.notes["cluster_cap_hits"] += 1
                                continue
                            out = heapq.heapreplace(heap, entry)
                            if out[2] in alive:
                                self.counts.notes["cluster_cap_hits"] += 1
                                alive.discard(out[2])
                        else:
                            heapq.heappush(heap, entry)
                        alive.add(entry[2])
                        heapq.heappush(top, entry)
                        while len(alive) > c.n:  # evict the global minimum still alive
                            low = heapq.heappop(top)
                            if low[2] in alive:
                                alive.discard(low[2])
                        if len(top) > 4 * c.n + 1024:  # drop stale tuples of lazy deletion
                            top[:] = [e for e in top if e[2] in alive]
                            heapq.heapify(top)
                        if len(per_cluster) > 2 * c.n + 1024:  # forget clusters with nothing alive
                            pruned = {}
                            for k, h in per_cluster.items():
                                live = [e for e in h if e[2] in alive]
                                if live:
                                    heapq.heapify(live)
                                    pruned[k] = live
                            per_cluster.clear()
                            per_cluster.update(pruned)

                for batch in batched(records, c.batch_size):
                    admit(batch)
            self.counts.notes["clusters_seen_with_kept"] = len(per_cluster)
            self.counts.notes["cluster_cap"] = self.cap
            with open(spool, encoding="utf-8") as fh:
                for i, line in enumerate(fh):
                    rec = json.loads(line)
                    if i in alive:
                        yield rec
                    else:
                        self.reject(rec, "not_selected", f"keep {c.n} by quality, at most {self.cap} per cluster")
        finally:
            if os.path.exists(spool):
                os.unlink(spool)
