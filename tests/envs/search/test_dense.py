"""Dense retrieval with the tiny model built locally (no download)."""

from __future__ import annotations

from pathlib import Path

import pytest
from agent_rl.envs.search.corpus import load_corpus
from agent_rl.envs.search.dense import DenseRetriever
from agent_rl.envs.search.retriever import make_retriever

from agent_rl.errors import ConfigError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from agent_rl.models import tiny_model_path

    return tiny_model_path()


def test_a_documents_own_text_finds_it_first(model_dir: Path, mini_corpus: Path) -> None:
    corpus = load_corpus(mini_corpus)
    retriever = make_retriever(f"dense:{model_dir}", corpus)
    assert isinstance(retriever, DenseRetriever)
    for doc in corpus:
        hits = retriever.search(f"{doc.title}\n{doc.text}", 2)
        assert hits[0].doc_id == doc.id and hits[0].score == pytest.approx(1.0, abs=1e-4)
        assert len(hits) == 2 and hits[0].score >= hits[1].score
    assert len(retriever.search("anything", 50)) == len(corpus)
    assert retriever.search_batch([], 3) == []


def test_not_a_model_directory_is_a_config_error(tmp_path: Path, mini_corpus: Path) -> None:
    with pytest.raises(ConfigError, match="not a local model directory"):
        make_retriever(f"dense:{tmp_path}", load_corpus(mini_corpus))


def test_envs_share_one_embedded_corpus(model_dir: Path, mini_corpus: Path) -> None:
    corpus = load_corpus(mini_corpus)
    a = DenseRetriever(corpus, model_dir)
    b = DenseRetriever(corpus, model_dir)
    assert a._matrix is b._matrix and a._model is b._model
