"""One interface for every retrieval backend: `search(query, k)` and `search_batch(queries, k)`.

Backends: `BM25Retriever` (bm25s, local, index cached on disk), `DenseRetriever` (an embedding
model from a local path), `HTTPRetriever` (Search-R1's `/retrieve` protocol). A backend that
cannot answer (server down, malformed reply) raises `InfraError`: the env turns that into an
infrastructure error on the step, never a zero reward.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent_rl.envs.search.corpus import Corpus

from agent_rl.errors import ConfigError


@dataclass(frozen=True)
class Hit:
    """One ranked result."""

    doc_id: str
    score: float
    title: str
    text: str


class Retriever(ABC):
    """Ranked retrieval over a corpus; thread-safe for concurrent `search` calls."""

    name: str = "retriever"

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The best `k` hits for `query`, best first (fewer when fewer documents match)."""
        return self.search_batch([query], k)[0]

    @abstractmethod
    def search_batch(self, queries: Sequence[str], k: int = 3) -> list[list[Hit]]:
        """`search` for several queries at once (one request / one matrix product)."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections or memory (default: nothing)."""


def make_retriever(spec: str | Retriever | None, corpus: Corpus, **options: Any) -> Retriever:
    """A retriever from a spec: `bm25` (default), `dense:MODEL_DIR`, or an `http(s)://` URL.

    An existing `Retriever` is returned as is.
    """
    if isinstance(spec, Retriever):
        return spec
    spec = spec or "bm25"
    if spec == "bm25":
        from agent_rl.envs.search.bm25 import BM25Retriever

        return BM25Retriever(corpus, **options)
    if spec.startswith("dense:"):
        from agent_rl.envs.search.dense import DenseRetriever

        return DenseRetriever(corpus, spec.removeprefix("dense:"), **options)
    if spec.startswith(("http://", "https://")):
        from agent_rl.envs.search.http import HTTPRetriever

        return HTTPRetriever(spec, **options)
    raise ConfigError(
        f"unknown retriever {spec!r}; use bm25, dense:MODEL_DIR or http://HOST:PORT",
        key="retriever",
    )
