"""A small OpenAI-compatible server for a local transformers model (the tiny one by default).

It lets the HTTP backend, teacher-style chat clients and external tools talk to a local model
the way they talk to vLLM: `/v1/models`, `/v1/completions` (prompts as token ids, logprobs,
ids back as `token_ids` and "token_id:N" tokens) and `/v1/chat/completions` (through the chat
format, tool calls parsed). Standard library only (`ThreadingHTTPServer`): request threads
hand their work to one asyncio loop where `TransformersPolicy` batches concurrent requests.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent_rl.errors import AgentRLError, ConfigError
from agent_rl.rollout.backends.base import (
    Generation,
    GenerationContext,
    SamplingParams,
    generation_problem,
)

logger = logging.getLogger(__name__)


class _BadRequest(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadRequest(f"{name} is not valid JSON (numbers must be finite)")


def _number(body: dict[str, Any], key: str, default: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BadRequest(f"{key} must be a number, got {value!r:.40}")
    value = float(value)
    if not math.isfinite(value):
        raise _BadRequest(f"{key} must be a finite number, got {value}")
    return value


class PolicyServer:
    """Serve one policy over HTTP on a background thread.

    Use as a context manager (`with PolicyServer(policy, cf) as srv: srv.url`) or call
    `start()`/`stop()`. Port 0 picks a free port.
    """

    def __init__(
        self,
        policy: Any,
        chat_format: Any,
        *,
        model_name: str = "tiny",
        host: str = "127.0.0.1",
        port: int = 0,
        max_context: int | None = None,
        request_timeout_s: float = 600.0,
    ) -> None:
        self.policy = policy
        self.chat_format = chat_format
        self.model_name = model_name
        self.request_timeout_s = request_timeout_s
        config = getattr(getattr(policy, "model", None), "config", None)
        self.max_context = max_context or getattr(config, "max_position_embeddings", None)
        self._ids = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        handler = type("Handler", (_Handler,), {"app": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._http_thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        return f"http://{host}:{self.port}/v1"

    def start(self) -> PolicyServer:
        self._loop_thread.start()
        self._http_thread.start()
        logger.info("serving %s at %s", self.model_name, self.url)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._stop_loop()

    def _stop_loop(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._loop_thread.is_alive():
            asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI's mode)."""
        self._loop_thread.start()
        logger.info("serving %s at %s", self.model_name, self.url)
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()
            self._stop_loop()

    def __enter__(self) -> PolicyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (called from HTTP threads) -----------------------------------------
    def _generate(
        self, ids: list[int], params: SamplingParams, ctx: GenerationContext
    ) -> Generation:
        if not ids:
            raise _BadRequest("prompt is empty")
        if self.max_context is not None and len(ids) + params.max_tokens > self.max_context:
            if len(ids) >= self.max_context:
                raise _BadRequest(
                    f"prompt has {len(ids)} tokens; the model's context is {self.max_context}"
                )
            params = params.replace(max_tokens=self.max_context - len(ids))
        future = asyncio.run_coroutine_threadsafe(
            self.policy.generate(ids, params, ctx), self._loop
        )
        return future.result(timeout=self.request_timeout_s)

    def _params(self, body: dict[str, Any], default_max: int) -> SamplingParams:
        """Sampling parameters from a request; anything out of range is a 400 naming the key."""
        stops = list(body.get("stop_token_ids") or [])
        if not body.get("ignore_eos"):
            stops += list(self.chat_format.stop_token_ids)
        max_tokens = body.get("max_tokens", body.get("max_completion_tokens"))
        max_tokens = default_max if max_tokens is None else max_tokens
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise _BadRequest(f"max_tokens must be an integer >= 1, got {max_tokens!r:.40}")
        temperature = _number(body, "temperature", 1.0)
        if temperature < 0:
            raise _BadRequest(f"temperature must be >= 0, got {temperature}")
        top_p = _number(body, "top_p", 1.0)
        if not 0 < top_p <= 1:
            raise _BadRequest(f"top_p must be in (0, 1], got {top_p}")
        if not all(isinstance(t, int) and not isinstance(t, bool) for t in stops):
            raise _BadRequest("stop_token_ids must be integer token ids")
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise _BadRequest(f"seed must be an integer, got {seed!r:.40}")
        return SamplingParams(
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
            stop_token_ids=tuple(sorted(set(stops))),
            seed=seed,
        )

    def models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": self.model_name, "object": "model", "owned_by": "agent-rl"}],
        }

    def completions(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], (list, str)):
            prompt = prompt[0]
        if isinstance(prompt, str):
            ids = list(self.chat_format.tokenizer.encode(prompt, add_special_tokens=False))
        elif isinstance(prompt, list) and all(
            isinstance(t, int) and not isinstance(t, bool) for t in prompt
        ):
            ids = list(prompt)
        else:
            raise _BadRequest("prompt must be a string or one list of token ids")
        vocab = len(self.chat_format.tokenizer)
        bad = [t for t in ids if not 0 <= t < vocab]
        if bad:
            raise _BadRequest(f"token ids out of range [0, {vocab}): {bad[:5]}")
        params = self._params(body, default_max=16)
        gen = self._generate(ids, params, GenerationContext())
        problem = generation_problem(gen, len(self.chat_format.tokenizer))
        if problem:  # never sent on as (non-standard) JSON
            raise RuntimeError(f"the policy returned bad output: {problem}")
        text = self.chat_format.decode(gen.token_ids)
        choice: dict[str, Any] = {
            "index": 0,
            "text": text,
            "token_ids": gen.token_ids,
            "finish_reason": gen.finish_reason,
            "logprobs": None,
        }
        if body.get("logprobs") is not None:
            choice["logprobs"] = {
                "tokens": [f"token_id:{t}" for t in gen.token_ids],
                "token_logprobs": gen.logprobs,
                "top_logprobs": None,
                "text_offset": None,
            }
        return {
            "id": f"cmpl-{next(self._ids)}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": [choice],
            "prompt_token_ids": ids if body.get("return_token_ids") else None,
            "usage": _usage(len(ids), len(gen.token_ids)),
        }

    def chat_completions(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _BadRequest("messages must be a non-empty list")
        tools = body.get("tools") or None
        kwargs = body.get("chat_template_kwargs") or {}
        thinking = bool(kwargs.get("thinking", body.get("thinking", False)))
        try:
            ids = self.chat_format.encode_prompt(messages, tools=tools, thinking=thinking)
        except (AgentRLError, KeyError, TypeError, ValueError) as exc:
            raise _BadRequest(f"cannot encode messages: {exc}") from exc
        params = self._params(body, default_max=512)
        ctx = GenerationContext(messages=messages, tools=tools or (), thinking=thinking)
        gen = self._generate(ids, params, ctx)
        parsed = self.chat_format.parse(
            self.chat_format.decode(gen.token_ids), thinking=thinking, tools=tools
        )
        message: dict[str, Any] = {
            "role": "assistant",
            "content": parsed.get("content") or "",
            "reasoning_content": parsed.get("reasoning_content"),
        }
        finish = gen.finish_reason
        if parsed.get("tool_calls"):
            message["tool_calls"] = parsed["tool_calls"]
            finish = "tool_calls" if finish == "stop" else finish
        choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish}
        if parsed.get("parse_errors"):
            choice["parse_errors"] = parsed["parse_errors"]
        if body.get("logprobs"):
            choice["logprobs"] = {
                "content": [
                    {"token": f"token_id:{t}", "logprob": lp}
                    for t, lp in zip(gen.token_ids, gen.logprobs or [], strict=False)
                ]
            }
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": [choice],
            "usage": _usage(len(ids), len(gen.token_ids)),
        }


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class _Handler(BaseHTTPRequestHandler):
    app: PolicyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # route access logs to logging
        logger.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, allow_nan=False).encode()  # standard JSON only
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str) -> None:
        self._send(status, {"error": {"message": message, "type": kind, "code": status}})

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/v1/models", "/models"):
            self._send(200, self.app.models())
        elif path in ("/health", "/v1/health"):
            self._send(200, {"status": "ok"})
        else:
            self._error(404, f"no route GET {self.path}", "not_found")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        routes = {
            "/v1/completions": self.app.completions,
            "/v1/chat/completions": self.app.chat_completions,
        }
        route = routes.get(path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if route is None:
            self._error(404, f"no route POST {self.path}", "not_found")
            return
        try:
            body = json.loads(raw or b"{}", parse_constant=_reject_constant)
            if not isinstance(body, dict):
                raise _BadRequest("request body must be a JSON object")
            if body.get("stream"):
                raise _BadRequest("stream=true is not supported by this server")
            if body.get("n", 1) != 1:
                raise _BadRequest("only n=1 is supported")
            self._send(200, route(body))
        except (json.JSONDecodeError, RecursionError) as exc:
            self._error(400, f"invalid JSON body: {exc}", "invalid_request_error")
        except (_BadRequest, ConfigError) as exc:
            self._error(400, str(exc), "invalid_request_error")
        except Exception as exc:
            logger.exception("%s failed", path)
            self._error(500, f"{type(exc).__name__}: {exc}", "server_error")


def serve(
    model: str = "tiny",
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    chat_format: str = "deepseek_v31",
    device: str | None = None,
    max_batch_size: int = 32,
    block: bool = True,
) -> PolicyServer:
    """Load `model` ("tiny" or a local transformers directory) and serve it.

    With `block=False` the server runs on background threads and is returned started.
    """
    from agent_rl.rollout.backends.hf import TransformersPolicy

    if model == "tiny":
        from agent_rl.models import load_tiny_model

        lm, tokenizer = load_tiny_model()
    else:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model)
        lm = AutoModelForCausalLM.from_pretrained(model)
    cf = _chat_format(chat_format, tokenizer)
    policy = TransformersPolicy(lm, tokenizer, device=device, max_batch_size=max_batch_size)
    server = PolicyServer(policy, cf, model_name=model, host=host, port=port)
    if block:
        server.serve_forever()
        return server
    return server.start()


def _chat_format(name: str, tokenizer: Any) -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format(name, tokenizer=tokenizer)
