"""BM25: the same rankings as the rank_bm25 reference, a disk cache reused, edge-case queries."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from agent_rl.envs.search import bm25 as bm25_module
from agent_rl.envs.search.bm25 import BM25Retriever, document_terms, index_tokens, reference_bm25
from agent_rl.envs.search.corpus import load_corpus
from agent_rl.envs.search.env import DEFAULT_CORPUS, SearchSessionEnv

pytest.importorskip("rank_bm25", reason="rank_bm25 is the reference (search extra)")


def _queries(rng: random.Random, corpus) -> list[str]:
    """Titles, sentences and perturbed forms of them (case, punctuation, noise, unknown words)."""
    out = ["", "the of and", "zzqx unknownword", "Answer: 1987?", "。，！", "公司 创始人"]
    docs = corpus.documents
    for _ in range(150):
        doc = rng.choice(docs)
        words = f"{doc.title} {doc.text}".split()
        q = " ".join(rng.sample(words, min(len(words), rng.randint(1, 6))))
        q = rng.choice([q, q.upper(), q + "?", f"who is {q}", q + " zzqx", f"{q}的"])
        out.append(q)
    return out


def test_rankings_agree_with_rank_bm25_on_perturbed_queries() -> None:
    corpus = load_corpus(DEFAULT_CORPUS)
    ours = BM25Retriever(corpus, cache_dir=False)
    reference = reference_bm25(document_terms(corpus))
    ids = [d.id for d in corpus]
    checked = 0
    for query in _queries(random.Random(0), corpus):
        k = 5
        hits = ours.search(query, k)
        scores = reference.get_scores(index_tokens(query))
        ranked = sorted(range(len(ids)), key=lambda i: -scores[i])
        want = [i for i in ranked[:k] if scores[i] > 0]
        assert len(hits) == len(want), query
        for hit, i in zip(hits, want, strict=True):
            # rank_bm25's scores are (k1 + 1) x Lucene's; ties may swap places, scores may not
            assert hit.score * 2.5 == pytest.approx(scores[i], rel=1e-5), query
        assert {h.doc_id for h in hits if h.score > hits[-1].score} <= {ids[i] for i in want}
        checked += bool(hits)
    assert checked > 100


def test_index_is_built_once_and_loaded_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = load_corpus(DEFAULT_CORPUS)
    monkeypatch.setattr(bm25_module, "_LOADED", {})
    first = BM25Retriever(corpus, cache_dir=tmp_path)
    assert first.index_dir is not None and (first.index_dir / "doc_ids.json").is_file()
    monkeypatch.setattr(bm25_module, "_LOADED", {})

    def no_build(self):
        raise AssertionError("the index was rebuilt instead of loaded")

    monkeypatch.setattr(BM25Retriever, "_build", no_build)
    second = BM25Retriever(corpus, cache_dir=tmp_path)
    assert [h.doc_id for h in second.search("Taix Works founded", 3)] == [
        h.doc_id for h in first.search("Taix Works founded", 3)
    ]
    assert len(list(tmp_path.iterdir())) == 1  # no stray temporary folders


def test_envs_on_one_corpus_share_one_index() -> None:
    a, b = SearchSessionEnv(n_sessions=1), SearchSessionEnv(n_sessions=1)
    assert a.retriever._model is b.retriever._model


def test_k_is_clamped_and_empty_queries_find_nothing() -> None:
    corpus = load_corpus(DEFAULT_CORPUS)
    r = BM25Retriever(corpus, cache_dir=False)
    assert r.search("", 3) == [] and r.search("the of", 3) == []
    assert len(r.search("company founded", 10_000)) <= len(corpus)
    assert r.search_batch([], 3) == []
