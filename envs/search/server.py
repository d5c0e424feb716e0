"""A retrieval server speaking Search-R1's `/retrieve` protocol over a local retriever.

The endpoint matches `search_r1/search/retrieval_server.py`: the same request model
(`queries`, `topk` falling back to the server default when absent or 0, `return_scores`), the
same reply `{"result": [...]}` with `{"document": {"id", "contents"}, "score"}` items or bare
documents, serialised by FastAPI's default JSON response, so Search-R1 clients read it as is
(tests/envs/search/test_http.py compares the bytes with Search-R1's endpoint). Needs fastapi
and uvicorn (the `search` extra).
"""

from __future__ import annotations

from typing import Any

from agent_rl.envs.search.retriever import Retriever
from fastapi import FastAPI
from pydantic import BaseModel


class QueryRequest(BaseModel):
    """Search-R1's request model."""

    queries: list[str]
    topk: int | None = None
    return_scores: bool = False


def create_app(retriever: Retriever, *, default_topk: int = 3) -> FastAPI:
    """A FastAPI app serving `POST /retrieve` (and `GET /health`) from `retriever`."""
    app = FastAPI(title="agent-rl retriever")

    @app.post("/retrieve")
    def retrieve_endpoint(request: QueryRequest) -> dict[str, Any]:
        topk = request.topk or default_topk
        results = retriever.search_batch(request.queries, topk)
        resp = []
        for hits in results:
            docs = [{"id": h.doc_id, "contents": _contents(h.title, h.text)} for h in hits]
            if request.return_scores:
                resp.append(
                    [{"document": d, "score": h.score} for d, h in zip(docs, hits, strict=True)]
                )
            else:
                resp.append(docs)
        return {"result": resp}

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "retriever": retriever.name}

    return app


def _contents(title: str, text: str) -> str:
    return f'"{title}"\n{text}' if title else text


def serve_retriever(
    retriever: Retriever, *, host: str = "127.0.0.1", port: int = 8000, default_topk: int = 3
) -> None:
    """Run the server with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(retriever, default_topk=default_topk), host=host, port=port, log_level="warning"
    )
