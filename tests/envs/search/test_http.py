"""The retriever server and the HTTP client: real servers on 127.0.0.1, Search-R1's protocol."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar, List, Optional  # noqa: UP035 (Search-R1 spells them so)

import httpx
import pytest
from agent_rl.envs import tool_call
from agent_rl.envs.search.bm25 import BM25Retriever
from agent_rl.envs.search.corpus import load_corpus
from agent_rl.envs.search.env import DEFAULT_CORPUS, SearchSessionEnv
from agent_rl.envs.search.http import HTTPRetriever
from agent_rl.envs.search.server import create_app

from agent_rl.errors import InfraError

fastapi = pytest.importorskip("fastapi", reason="the retriever server needs fastapi (search extra)")
from fastapi import FastAPI  # noqa: E402
from pydantic import BaseModel  # noqa: E402


class QueryRequest(BaseModel):
    """Search-R1's request model, as written upstream."""

    queries: List[str]  # noqa: UP006
    topk: Optional[int] = None  # noqa: UP045
    return_scores: bool = False


QUERIES = ["Who founded Taix Works?", "1894 Lojaos Festival", "chemist born in 1963", "zzzz", ""]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """`agent-rl serve retriever` over the shipped corpus, as a user starts it."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent_rl.cli.main",
            "serve",
            "retriever",
            "--corpus",
            str(DEFAULT_CORPUS),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"retriever server did not start: {out[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def local() -> BM25Retriever:
    return BM25Retriever(load_corpus(DEFAULT_CORPUS))


def test_http_results_equal_the_in_process_index(server_url: str, local: BM25Retriever) -> None:
    for return_scores in (True, False):  # both result shapes
        remote = HTTPRetriever(server_url, return_scores=return_scores)
        got = remote.search_batch(QUERIES, 5)
        want = local.search_batch(QUERIES, 5)
        assert [[h.doc_id for h in hits] for hits in got] == [
            [h.doc_id for h in hits] for hits in want
        ]
        assert [[(h.title, h.text) for h in hits] for hits in got] == [
            [(h.title, h.text) for h in hits] for hits in want
        ]
        if return_scores:
            # JSON carries Python floats exactly (repr round-trips)
            assert [[h.score for h in hits] for hits in got] == [
                [h.score for h in hits] for hits in want
            ]
        remote.close()


def test_wire_format_is_search_r1s(server_url: str) -> None:
    body = httpx.post(
        f"{server_url}/retrieve", json={"queries": ["Taix Works"], "topk": 2, "return_scores": True}
    ).json()
    item = body["result"][0][0]
    assert set(item) == {"document", "score"} and set(item["document"]) == {"id", "contents"}
    assert item["document"]["contents"].startswith('"Taix Works"\n')
    bare = httpx.post(f"{server_url}/retrieve", json={"queries": ["Taix Works"]}).json()
    assert (
        set(bare["result"][0][0]) == {"id", "contents"} and len(bare["result"][0]) == 3
    )  # default topk


def _search_r1_app(retriever: BM25Retriever) -> Any:
    """Search-R1's `/retrieve` endpoint (search_r1/search/retrieval_server.py) over our index."""

    class Shim:
        def batch_search(self, query_list, num, return_score):
            hits = retriever.search_batch(query_list, num)
            docs = [
                [{"id": h.doc_id, "contents": f'"{h.title}"\n{h.text}'} for h in row]
                for row in hits
            ]
            return (docs, [[h.score for h in row] for row in hits]) if return_score else docs

    app = FastAPI()
    shim = Shim()

    @app.post("/retrieve")
    def retrieve_endpoint(request: QueryRequest):
        if not request.topk:
            request.topk = 3
        search_out = shim.batch_search(
            query_list=request.queries, num=request.topk, return_score=request.return_scores
        )
        if request.return_scores:
            results, scores = search_out
        else:
            results = search_out
        resp = []
        for i, single_result in enumerate(results):
            if request.return_scores:
                combined = []
                for doc, score in zip(single_result, scores[i]):  # noqa: B905
                    combined.append({"document": doc, "score": score})
                resp.append(combined)
            else:
                resp.append(single_result)
        return {"result": resp}

    return app


def test_replies_are_byte_identical_to_search_r1s_server(local: BM25Retriever) -> None:
    from fastapi.testclient import TestClient

    ours, theirs = TestClient(create_app(local, default_topk=3)), TestClient(_search_r1_app(local))
    requests = [
        {"queries": QUERIES, "topk": 4, "return_scores": True},
        {"queries": QUERIES, "topk": 4, "return_scores": False},
        {"queries": ["Taix Works"]},
        {"queries": ["Taix Works"], "topk": 0, "return_scores": True},
        {"queries": [], "topk": 2},
        {"queries": "not a list"},
    ]
    for payload in requests:
        a, b = ours.post("/retrieve", json=payload), theirs.post("/retrieve", json=payload)
        assert (a.status_code, a.content) == (b.status_code, b.content), payload


class _Garbage(http.server.BaseHTTPRequestHandler):
    replies: ClassVar[dict[str, tuple[int, bytes]]] = {
        "/bad-json/retrieve": (200, b"{not json"),
        "/wrong-shape/retrieve": (200, b'{"result": [[{"document": {"contents": "no id"}}]]}'),
        "/too-few/retrieve": (200, b'{"result": []}'),
        "/error/retrieve": (500, b"Internal Server Error"),
    }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        status, body = self.replies[self.path]
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def garbage_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("bad-json", "malformed JSON"),
        ("wrong-shape", "has no id"),
        ("too-few", "one list per query"),
        ("error", "HTTP 500"),
    ],
)
def test_malformed_replies_are_infra_errors_naming_the_url(
    garbage_url: str, path: str, message: str
) -> None:
    url = f"{garbage_url}/{path}"
    with pytest.raises(InfraError, match=message) as info:
        HTTPRetriever(url).search("x", 3)
    assert f"{url}/retrieve" in str(info.value)


def test_a_down_retriever_is_an_infra_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(InfraError, match="unreachable"):
        HTTPRetriever(url, timeout=2).search("x")


def test_env_over_http_marks_the_step_when_the_retriever_fails(garbage_url: str) -> None:
    env = SearchSessionEnv(retriever=f"{garbage_url}/bad-json", n_sessions=2)
    env.reset(seed=0)
    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [tool_call("search", {"query": "x"}, "c")],
    }
    _, reward, _, _, info = env.step(call)
    assert reward == 0.0 and "malformed JSON" in info["infra_error"]
    env.close()


def test_oracle_scores_one_over_http(server_url: str) -> None:
    env = SearchSessionEnv(retriever=server_url, split="test")
    report = env.validate()
    assert report.ok, report.summary()
    env.close()
