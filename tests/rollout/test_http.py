"""The OpenAI-compatible server and HTTP backend, for real on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from agent_rl.errors import InfraError
from agent_rl.rollout import (
    GenerationContext,
    OpenAIPolicy,
    PolicyServer,
    RolloutEngine,
    RolloutLimits,
    RolloutSummary,
    SamplingParams,
    TransformersPolicy,
    make_policy,
)


@pytest.fixture(scope="module")
def local(tiny: tuple[Any, Any]) -> TransformersPolicy:
    model, tokenizer = tiny
    return TransformersPolicy(model, tokenizer, cpu_threads=1)


@pytest.fixture(scope="module")
def server(local: TransformersPolicy, chat_format: Any) -> Iterator[PolicyServer]:
    with PolicyServer(local, chat_format, model_name="tiny-test") as srv:
        yield srv


def gen(
    policy: Any, ids: list[int], params: SamplingParams, ctx: GenerationContext | None = None
) -> Any:
    return asyncio.run(policy.generate(ids, params, ctx or GenerationContext()))


def test_models_and_errors(server: PolicyServer) -> None:
    r = httpx.get(f"{server.url}/models")
    assert r.status_code == 200 and r.json()["data"][0]["id"] == "tiny-test"
    r = httpx.post(f"{server.url}/completions", json={"prompt": [10**9]})
    assert r.status_code == 400 and "out of range" in r.json()["error"]["message"]
    r = httpx.post(f"{server.url}/completions", content=b"{nope")
    assert r.status_code == 400
    assert httpx.get(f"{server.url}/nothing").status_code == 404


def test_completions_are_token_exact(
    server: PolicyServer, local: TransformersPolicy, chat_format: Any
) -> None:
    ids = chat_format.encode_prompt([{"role": "user", "content": "What is 7*6?"}])
    params = SamplingParams(
        temperature=0.0, max_tokens=10, stop_token_ids=tuple(chat_format.stop_token_ids)
    )
    remote = gen(OpenAIPolicy(server.url, chat_format=chat_format), ids, params)
    direct = local.generate_batch([ids], [params])[0]
    assert remote.token_ids == direct.token_ids
    assert remote.logprobs == pytest.approx(direct.logprobs, abs=1e-5)
    assert remote.text == chat_format.decode(direct.token_ids)
    # the model name is discovered from /v1/models
    pol = OpenAIPolicy(server.url)
    gen(pol, ids, params)
    assert pol.model == "tiny-test"


def test_chat_mode_encodes_the_reply(server: PolicyServer, chat_format: Any) -> None:
    pol = make_policy(f"chat+{server.url}#tiny-test", chat_format=chat_format)
    assert isinstance(pol, OpenAIPolicy) and pol.mode == "chat"
    messages = [{"role": "user", "content": "Say hi."}]
    g = gen(
        pol,
        [],
        SamplingParams(temperature=1.0, max_tokens=12, seed=1),
        GenerationContext(messages=messages),
    )
    assert g.logprobs is None
    full = chat_format.encode_completion(g.info["message"])
    if g.finish_reason == "stop":
        assert g.token_ids == full
    else:  # cut off: the message's ids without the end token, within the budget
        assert g.token_ids == full[: min(len(full) - 1, 12)]
    r = httpx.post(f"{server.url}/chat/completions", json={"messages": messages, "max_tokens": 5})
    choice = r.json()["choices"][0]
    assert choice["message"]["role"] == "assistant" and r.json()["usage"]["completion_tokens"] <= 5


def test_chat_mode_cut_replies_fit_the_budget_and_have_no_end_token(
    server: PolicyServer, chat_format: Any
) -> None:
    # The server stops at max_tokens of its own; the re-encoded reply must neither end with an
    # end token it never produced nor exceed the engine's budget (a backend_error before).
    pol = make_policy(f"chat+{server.url}#tiny-test", chat_format=chat_format)
    eos = chat_format.eos_token_id
    for seed in range(4):
        g = gen(
            pol,
            [],
            SamplingParams(temperature=1.0, max_tokens=6, seed=seed),
            GenerationContext(messages=[{"role": "user", "content": "Tell me a long story."}]),
        )
        assert len(g.token_ids) <= 6
        if g.finish_reason == "length":
            assert eos not in g.token_ids
    trajs = RolloutEngine(
        "agent_rl/Math-v0",
        pol,
        chat_format,
        RolloutLimits(max_turns=1, max_tokens_per_turn=8),
        sampling=SamplingParams(temperature=1.0, seed=0),
    ).run(n=4)
    assert RolloutSummary.of(trajs).failed == 0, RolloutSummary.of(trajs).errors
    assert all(len(t.response_ids) <= 8 for t in trajs)


def test_rollouts_over_http_equal_local_rollouts(
    server: PolicyServer, local: TransformersPolicy, chat_format: Any
) -> None:
    limits = RolloutLimits(max_turns=2, max_tokens_per_turn=16)
    sampling = SamplingParams(temperature=0.0)
    remote = RolloutEngine(
        "agent_rl/Math-v0",
        make_policy(server.url, chat_format=chat_format),
        chat_format,
        limits,
        sampling=sampling,
        concurrency=4,
    ).run(n=4)
    here = RolloutEngine(
        "agent_rl/Math-v0", local, chat_format, limits, sampling=sampling, concurrency=4
    ).run(n=4)
    assert RolloutSummary.of(remote).failed == 0, RolloutSummary.of(remote).errors
    for a, b in zip(remote, here, strict=True):
        assert a.prompt_ids == b.prompt_ids and a.response_ids == b.response_ids
        assert a.loss_mask == b.loss_mask
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-5)
        assert a.termination == b.termination


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 `fail` times, then a fixed one-token completion."""

    fail = 2
    calls = 0

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls += 1
        if type(self).calls <= self.fail:
            status, body = 503, b'{"error": "warming up"}'
        else:
            choice = {
                "text": "",
                "finish_reason": "stop",
                "logprobs": {"tokens": ["token_id:1"], "token_logprobs": [-0.5]},
            }
            status, body = 200, json.dumps({"choices": [choice]}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_retries_then_success_and_connection_refused(chat_format: Any) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        params = SamplingParams(max_tokens=4, stop_token_ids=(1,))
        g = gen(OpenAIPolicy(url, "m", backoff_s=0.01), [5, 6], params)
        assert g.token_ids == [1] and g.logprobs == [-0.5] and Flaky.calls == 3
        Flaky.calls, Flaky.fail = 0, 10
        with pytest.raises(InfraError, match=r"3 attempts.*503"):
            gen(OpenAIPolicy(url, "m", max_retries=2, backoff_s=0.01), [5, 6], params)
    finally:
        httpd.shutdown()
        httpd.server_close()

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    pol = OpenAIPolicy(dead, "m", max_retries=1, backoff_s=0.01, chat_format=chat_format)
    trajs = RolloutEngine("agent_rl/Math-v0", pol, chat_format).run(n=2)
    assert [t.termination for t in trajs] == ["backend_error", "backend_error"]
    assert "ConnectError" in trajs[0].error


# ---------------------------------------------------------------- hostile servers (issue 11)
class Hostile(BaseHTTPRequestHandler):
    """Answers every completion with `body` (raw bytes: NaN can be sent as such)."""

    body = b""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def _completion(ids: str, logprobs: str) -> bytes:
    choice = f'{{"text": "", "finish_reason": "stop", "token_ids": {ids}, '
    choice += f'"logprobs": {{"token_logprobs": {logprobs}}}}}'
    return ('{"choices": [' + choice + "]}").encode()


@pytest.mark.parametrize(
    ("ids", "logprobs", "message"),
    [
        ("[5, 1000000, 1]", "[-0.1, -0.2, -0.3]", "outside the vocabulary"),
        ("[5, -3, 1]", "[-0.1, -0.2, -0.3]", "outside the vocabulary"),
        ("[5, true, 1]", "[-0.1, -0.2, -0.3]", "not an integer"),
        ('[5, "7", 1]', "[-0.1, -0.2, -0.3]", "not an integer"),
        ("[5, 6, 1]", "[-0.1, NaN, -0.3]", "not a finite"),
        ("[5, 6, 1]", "[-0.1, -Infinity, -0.3]", "not a finite"),
        ("[5, 6, 1]", "[-0.1, Infinity, -0.3]", "not a finite"),
        ("[5, 6, 1]", "[-0.1, 2.5, -0.3]", "positive"),
    ],
)
def test_bad_ids_and_logprobs_are_rejected_where_they_enter(
    chat_format: Any, ids: str, logprobs: str, message: str
) -> None:
    handler = type("H", (Hostile,), {"body": _completion(ids, logprobs)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        params = SamplingParams(max_tokens=4, stop_token_ids=(1,))
        pol = OpenAIPolicy(url, "m", chat_format=chat_format, max_retries=0)
        with pytest.raises(InfraError, match=message):
            gen(pol, [5, 6], params)
        # In a rollout the episode is a backend failure, never a normal trajectory.
        trajs = RolloutEngine("agent_rl/Math-v0", pol, chat_format).run(n=2)
        assert [t.termination for t in trajs] == ["backend_error", "backend_error"]
        assert message in trajs[0].error
    finally:
        httpd.shutdown()
        httpd.server_close()


class BadLocalPolicy:
    """Any backend (not only HTTP) is checked at the engine's entry point."""

    def __init__(self, ids: list[Any], logprobs: list[float] | None) -> None:
        self.ids, self.logprobs = ids, logprobs

    async def generate(self, prompt_ids: Any, params: Any, context: Any) -> Any:
        from agent_rl.rollout.backends.base import Generation

        return Generation(token_ids=list(self.ids), logprobs=self.logprobs)


@pytest.mark.parametrize(
    ("ids", "logprobs", "message"),
    [
        ([5, 10**7, 1], None, "outside the vocabulary"),
        ([5, 6, 1], [0.0, float("nan"), 0.0], "not a finite"),
    ],
)
def test_engine_checks_every_backend(chat_format: Any, ids, logprobs, message) -> None:
    trajs = RolloutEngine("agent_rl/Math-v0", BadLocalPolicy(ids, logprobs), chat_format).run(n=1)
    assert trajs[0].termination == "backend_error" and message in trajs[0].error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"prompt": [5, 6], "max_tokens": -1}', "max_tokens"),
        (b'{"prompt": [5, 6], "max_tokens": 0}', "max_tokens"),
        (b'{"prompt": [5, 6], "max_tokens": 1.5}', "max_tokens"),
        (b'{"prompt": [5, 6], "max_tokens": true}', "max_tokens"),
        (b'{"prompt": [5, 6], "temperature": -0.5}', "temperature"),
        (b'{"prompt": [5, 6], "temperature": NaN}', "NaN"),
        (b'{"prompt": [5, 6], "temperature": Infinity}', "Infinity"),
        (b'{"prompt": [5, 6], "temperature": 1e999}', "temperature"),
        (b'{"prompt": [5, 6], "top_p": 0}', "top_p"),
        (b'{"prompt": [5, 6], "top_p": 1.5}', "top_p"),
        (b'{"prompt": [5, true]}', "prompt"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": -3}', "max_tokens"),
    ],
)
def test_server_answers_400_to_bad_sampling_parameters(
    server: PolicyServer, body: bytes, message: str
) -> None:
    path = "/chat/completions" if b"messages" in body else "/completions"
    r = httpx.post(f"{server.url}{path}", content=body)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]["message"]
