"""Local BM25 with bm25s: the index is built once per corpus and cached on disk and in memory.

Scoring is BM25 with Lucene's idf, `log(1 + (N - df + 0.5) / (df + 0.5))` (bm25s
`method="lucene"`, k1=1.5, b=0.75): the variant of Pyserini, which Search-R1's BM25 server
runs, and one whose idf is never negative, so a term in more than half of a small corpus still
counts. Terms are `agent_rl.envs.search.text.tokens` without English stop words.
`reference_bm25` is the plain-Python reference (rank_bm25's `BM25Okapi` with the same idf);
tests/envs/search/test_bm25.py shows both rank alike and benchmarks/bench_search.py times
them. Documents that share no term with the query (score 0) are not returned.

Cache: `$AGENT_RL_CACHE/search/bm25-<corpus fingerprint>-<params>/` (bm25s's own files plus
the doc ids), built in a temporary folder and renamed into place, so concurrent builders and
interrupted builds never leave a half-written index. In one process every env on the same
corpus shares one loaded index.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_rl.envs.search.corpus import Corpus
from agent_rl.envs.search.retriever import Hit, Retriever
from agent_rl.envs.search.text import tokens

INDEX_VERSION = "v2"
"""Bump when the tokenizer or the stored layout changes: it names the cache entry."""

_STOPWORDS: frozenset[str] | None = None
_LOADED: dict[str, object] = {}
_LOCK = threading.Lock()


def _cache_root() -> Path:
    """`$AGENT_RL_CACHE`, else `~/.cache/agent_rl` (as `agent_rl.chat_format.tokenizer.cache_root`)."""
    env = os.environ.get("AGENT_RL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "agent_rl"


def stopwords() -> frozenset[str]:
    """bm25s's English stop-word list."""
    global _STOPWORDS
    if _STOPWORDS is None:
        from bm25s.stopwords import STOPWORDS_EN

        _STOPWORDS = frozenset(STOPWORDS_EN)
    return _STOPWORDS


def index_tokens(text: str) -> list[str]:
    """The terms BM25 indexes and queries with (normalised tokens minus stop words)."""
    stop = stopwords()
    return [t for t in tokens(text, drop_articles=False, split_punctuation=True) if t not in stop]


def reference_bm25(doc_terms: list[list[str]], k1: float = 1.5, b: float = 0.75) -> Any:
    """rank_bm25's `BM25Okapi` with Lucene's idf: the baseline `BM25Retriever` must agree with.

    Its scores are `(k1 + 1)` times bm25s's Lucene scores (Lucene drops that constant), so
    rankings are the same. Needs `rank_bm25` (a dev dependency).
    """
    import math

    from rank_bm25 import BM25Okapi

    class LuceneIdfBM25(BM25Okapi):
        def _calc_idf(self, nd: dict[str, int]) -> None:
            n = self.corpus_size
            for word, freq in nd.items():
                self.idf[word] = math.log(1.0 + (n - freq + 0.5) / (freq + 0.5))

    return LuceneIdfBM25(doc_terms, k1=k1, b=b)


def document_terms(corpus: Corpus) -> list[list[str]]:
    return [index_tokens(f"{d.title} {d.text}") for d in corpus]


class BM25Retriever(Retriever):
    """BM25 over a `Corpus` (see the module docstring for scoring and caching).

    Args:
        corpus: the documents.
        k1, b: the BM25 parameters.
        cache_dir: where indexes are cached (default `$AGENT_RL_CACHE/search`); None uses
            the default, `False` keeps the index in memory only.
    """

    name = "bm25"

    def __init__(
        self,
        corpus: Corpus,
        *,
        k1: float = 1.5,
        b: float = 0.75,
        cache_dir: str | Path | bool | None = None,
    ) -> None:
        self.corpus = corpus
        self.k1, self.b = float(k1), float(b)
        key = f"bm25-{INDEX_VERSION}-{corpus.fingerprint[:24]}-k{self.k1:g}-b{self.b:g}"
        if cache_dir is False:
            self.index_dir: Path | None = None
        else:
            base = (
                Path(cache_dir) if isinstance(cache_dir, (str, Path)) else _cache_root() / "search"
            )
            self.index_dir = base / key
        with _LOCK:
            model = _LOADED.get(key)
            if model is None:
                model = self._load_or_build()
                _LOADED[key] = model
        self._model = model

    def _new_model(self):
        import bm25s

        return bm25s.BM25(k1=self.k1, b=self.b, method="lucene")

    def _build(self):
        model = self._new_model()
        model.index(document_terms(self.corpus), show_progress=False)
        return model

    def _load_or_build(self):
        if self.index_dir is None:
            return self._build()

        def build(tmp: Path) -> None:
            model = self._build()
            model.save(str(tmp))
            ids = [d.id for d in self.corpus]
            (tmp / "doc_ids.json").write_text(json.dumps(ids), encoding="utf-8")

        if not self.index_dir.is_dir():
            # imported here: agent_rl.chat_format loads transformers (seconds), only a build needs it
            from agent_rl.chat_format.tokenizer import atomic_build_dir

            atomic_build_dir(self.index_dir, build)
        import bm25s

        model = bm25s.BM25.load(str(self.index_dir))
        ids = json.loads((self.index_dir / "doc_ids.json").read_text(encoding="utf-8"))
        if ids != [d.id for d in self.corpus]:  # a stale or foreign cache entry: rebuild
            model = self._build()
        return model

    @property
    def built_from_cache(self) -> bool:
        return self.index_dir is not None and self.index_dir.is_dir()

    def search_batch(self, queries: Sequence[str], k: int = 3) -> list[list[Hit]]:
        if not queries:
            return []
        k = max(1, min(int(k), len(self.corpus)))
        terms = [index_tokens(q) for q in queries]
        out: list[list[Hit]] = [[] for _ in queries]
        asked = [i for i, t in enumerate(terms) if t]  # a query without terms matches nothing
        if not asked:
            return out
        docs, scores = self._model.retrieve(
            [terms[i] for i in asked], k=k, show_progress=False, n_threads=0
        )
        for i, row_ids, row_scores in zip(asked, docs.tolist(), scores.tolist(), strict=True):
            for index, score in zip(row_ids, row_scores, strict=True):
                if score <= 0.0:
                    continue
                doc = self.corpus.documents[index]
                out[i].append(
                    Hit(doc_id=doc.id, score=float(score), title=doc.title, text=doc.text)
                )
        return out
