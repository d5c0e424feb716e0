"""Dense retrieval with an embedding model from a local directory (optional backend).

Any transformers model directory works (`AutoModel` + `AutoTokenizer`): texts are embedded by
mean pooling the last hidden states over non-padding tokens, L2-normalised, and ranked by
inner product (cosine). Document embeddings are computed once per (corpus, model) and kept in
memory, shared by every retriever of the process (an env per episode does not re-embed). The
tests use the tiny model `agent_rl.models` builds locally. Nothing is downloaded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_rl.envs.search.corpus import Corpus
from agent_rl.envs.search.retriever import Hit, Retriever

from agent_rl.errors import ConfigError

_SHARED: dict[tuple[str, str, int], tuple[Any, Any, threading.Lock, Any]] = {}
_GUARD = threading.Lock()


class DenseRetriever(Retriever):
    """Cosine similarity of mean-pooled embeddings.

    Args:
        corpus: the documents.
        model_path: a local transformers model directory (with its tokenizer).
        max_length: tokens per text.
        batch_size: texts per forward pass when embedding the corpus.
    """

    name = "dense"

    def __init__(
        self, corpus: Corpus, model_path: str | Path, *, max_length: int = 256, batch_size: int = 32
    ) -> None:
        path = Path(model_path)
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"{path} is not a local model directory (no config.json)", key="retriever"
            )
        import torch

        self.corpus = corpus
        self.max_length = max_length
        self._torch = torch
        key = (str(path.resolve()), corpus.fingerprint, max_length)
        with _GUARD:  # one model and one embedded corpus per process, shared by every env
            shared = _SHARED.get(key)
            if shared is None:
                shared = self._load(path, batch_size)
                _SHARED[key] = shared
        self._tokenizer, self._model, self._lock, self._matrix = shared

    def _load(self, path: Path, batch_size: int) -> tuple[Any, Any, threading.Lock, Any]:
        from transformers import AutoModel, AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(path))
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token or self._tokenizer.unk_token
        self._model = AutoModel.from_pretrained(str(path)).eval()
        self._lock = threading.Lock()
        texts = [f"{d.title}\n{d.text}" for d in self.corpus]
        chunks = [self._embed(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        matrix = self._torch.cat(chunks) if chunks else self._torch.zeros(0, 1)
        return self._tokenizer, self._model, self._lock, matrix

    def _embed(self, texts: list[str]):
        torch = self._torch
        batch = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        batch.pop("token_type_ids", None)
        with self._lock, torch.no_grad():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled.float(), dim=-1)

    def search_batch(self, queries: Sequence[str], k: int = 3) -> list[list[Hit]]:
        if not queries:
            return []
        k = max(1, min(int(k), len(self.corpus)))
        scores = self._embed(list(queries)) @ self._matrix.T
        top = self._torch.topk(scores, k, dim=-1)
        out = []
        for row_scores, row_ids in zip(top.values.tolist(), top.indices.tolist(), strict=True):
            hits = []
            for score, index in zip(row_scores, row_ids, strict=True):
                doc = self.corpus.documents[index]
                hits.append(Hit(doc_id=doc.id, score=float(score), title=doc.title, text=doc.text))
            out.append(hits)
        return out
