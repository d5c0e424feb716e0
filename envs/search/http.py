"""A client of Search-R1's retrieval server protocol (`POST /retrieve`), through httpx.

Request: `{"queries": [...], "topk": k, "return_scores": true}`. Reply: `{"result": [...]}`
with one list per query, each item either `{"document": DOC, "score": s}` (with scores) or
the bare `DOC` (without); `DOC` is `{"id", "contents"}` (the title quoted on the first line of
`contents`) or `{"id", "title", "text"}`. Both shapes are read. Anything else (server down, an
HTTP error status, a body that is not JSON or not this shape, a document without an id) is an
`InfraError` that names the URL and what was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
from agent_rl.envs.search.corpus import split_contents
from agent_rl.envs.search.retriever import Hit, Retriever

from agent_rl.errors import InfraError


def retrieve_url(base: str) -> str:
    """`base` with `/retrieve` appended unless it already ends with it."""
    base = base.rstrip("/")
    return base if base.endswith("/retrieve") else f"{base}/retrieve"


def parse_hit(item: Any, *, where: str) -> Hit:
    """One result item of either shape; raises InfraError on anything else."""
    score = 0.0
    doc = item
    if isinstance(item, dict) and "document" in item:
        doc = item["document"]
        raw = item.get("score", 0.0)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise InfraError(f"{where}: result score is not a number: {raw!r:.80}")
        score = float(raw)
    if not isinstance(doc, dict):
        raise InfraError(f"{where}: a result is not a document object: {doc!r:.120}")
    doc_id = doc.get("id", doc.get("doc_id"))
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        raise InfraError(f"{where}: a result document has no id: {doc!r:.120}")
    if isinstance(doc.get("contents"), str):
        title, text = split_contents(doc["contents"])
    else:
        title, text = doc.get("title") or "", doc.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        raise InfraError(f"{where}: document {doc_id!r} has no readable text")
    return Hit(doc_id=doc_id, score=score, title=title, text=text)


class HTTPRetriever(Retriever):
    """Search over HTTP with Search-R1's `/retrieve` protocol.

    Args:
        url: the server (`http://host:port` or the full `.../retrieve` URL).
        timeout: seconds per request.
        return_scores: ask for the scored shape (the bare shape is read either way).
    """

    name = "http"

    def __init__(self, url: str, *, timeout: float = 30.0, return_scores: bool = True) -> None:
        self.url = retrieve_url(url)
        self.return_scores = return_scores
        self._client = httpx.Client(timeout=timeout)

    def search_batch(self, queries: Sequence[str], k: int = 3) -> list[list[Hit]]:
        payload = {"queries": list(queries), "topk": int(k), "return_scores": self.return_scores}
        try:
            response = self._client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise InfraError(
                f"retriever {self.url} is unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code != 200:
            raise InfraError(
                f"retriever {self.url} answered HTTP {response.status_code}: {response.text[:200]!r}"
            )
        try:
            body = response.json()
        except (json.JSONDecodeError, ValueError) as exc:
            raise InfraError(
                f"retriever {self.url} answered malformed JSON ({exc}): {response.text[:120]!r}"
            ) from exc
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list) or len(result) != len(queries):
            raise InfraError(
                f"retriever {self.url}: expected {{'result': [one list per query]}} for "
                f"{len(queries)} queries, got {str(body)[:160]!r}"
            )
        out = []
        for qi, items in enumerate(result):
            if not isinstance(items, list):
                raise InfraError(f"retriever {self.url}: result[{qi}] is not a list")
            out.append(
                [
                    parse_hit(item, where=f"retriever {self.url} result[{qi}][{j}]")
                    for j, item in enumerate(items)
                ]
            )
        return out

    def close(self) -> None:
        self._client.close()
