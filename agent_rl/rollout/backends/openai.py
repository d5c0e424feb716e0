"""A policy served over an OpenAI-compatible HTTP API (vLLM, sglang, `agent-rl serve`, teachers).

Two modes:
- "completions" (default): token in, token out. The prompt goes to `/v1/completions` as a list
  of token ids and the completion comes back as ids with logprobs (vLLM's
  `return_tokens_as_token_ids`, or a `token_ids` field), so nothing is re-tokenized.
- "chat": for teacher APIs that only take messages. The assistant message that comes back is
  turned into ids by the chat format (`encode_completion`); logprobs are unknown (None).

Connect errors, timeouts, 429 and 5xx are retried with backoff; what still fails raises
`InfraError`, which the engine records as a backend failure of that episode only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Sequence
from typing import Any

import httpx

from agent_rl.errors import ConfigError, InfraError
from agent_rl.rollout.backends.base import (
    Generation,
    GenerationContext,
    SamplingParams,
    decode_ids,
    generation_problem,
    vocab_size_of,
)
from agent_rl.rollout.backends.oracle import encode_completion

logger = logging.getLogger(__name__)

_RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIPolicy:
    """Generate through an OpenAI-compatible server.

    Args:
        base_url: e.g. "http://127.0.0.1:8000/v1".
        model: model name sent in requests; None asks `/v1/models` for the first one.
        mode: "completions" (token ids) or "chat" (messages, for teacher APIs).
        chat_format: needed to decode ids to text when the server sends ids only, and in
            chat mode to encode the returned message.
        api_key: sent as a Bearer token when given.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        mode: str = "completions",
        chat_format: Any = None,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_connections: int = 256,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        if mode not in ("completions", "chat"):
            raise ConfigError(f"unknown mode {mode!r}; use 'completions' or 'chat'", key="mode")
        if mode == "chat" and chat_format is None:
            raise ConfigError("chat mode needs a chat_format to encode replies", key="chat_format")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.mode = mode
        self.chat_format = chat_format
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_connections = max_connections
        self.extra_body = dict(extra_body or {})
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._model_lock: asyncio.Lock | None = None

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # httpx connection pools belong to one event loop; each `asyncio.run` gets its own.
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self.timeout_s,
                headers=headers,
                limits=httpx.Limits(max_connections=self.max_connections),
            )
            self._loop = loop
            self._model_lock = asyncio.Lock()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        client = self._http()
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1) * (0.5 + random.random()))
            try:
                resp = await client.request(method, path, json=body)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                last = f"{type(exc).__name__}: {exc}"
                logger.debug("%s %s%s failed (%s), retrying", method, self.base_url, path, last)
                continue
            if resp.status_code in _RETRY_STATUS:
                last = f"HTTP {resp.status_code}: {resp.text[:300]}"
                continue
            if resp.status_code >= 400:
                raise InfraError(
                    f"{method} {self.base_url}{path}: HTTP {resp.status_code}: {resp.text[:500]}"
                )
            try:
                return json.loads(resp.content, parse_constant=_reject_constant)
            except json.JSONDecodeError as exc:
                raise InfraError(f"{self.base_url}{path}: response is not JSON: {exc}") from exc
            except (ValueError, RecursionError) as exc:
                raise InfraError(f"{self.base_url}{path}: {exc}") from exc
        raise InfraError(
            f"{method} {self.base_url}{path} failed after {self.max_retries + 1} attempts: {last}"
        )

    async def resolve_model(self) -> str:
        """The model name to send; asks `/v1/models` once when none was given."""
        if self.model is not None:
            return self.model
        self._http()
        assert self._model_lock is not None
        async with self._model_lock:
            if self.model is None:
                data = await self._request("GET", "/models")
                try:
                    self.model = str(data["data"][0]["id"])
                except (KeyError, IndexError, TypeError) as exc:
                    raise InfraError(
                        f"{self.base_url}/models lists no model: {data!r:.300}"
                    ) from exc
        return self.model

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        if self.mode == "chat":
            return await self._generate_chat(params, context)
        return await self._generate_completion(prompt_ids, params)

    async def _generate_completion(
        self, prompt_ids: Sequence[int], params: SamplingParams
    ) -> Generation:
        body: dict[str, Any] = {
            "model": await self.resolve_model(),
            "prompt": [int(t) for t in prompt_ids],
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "logprobs": 1,
            "stop_token_ids": list(params.stop_token_ids),
            "skip_special_tokens": False,
            "spaces_between_special_tokens": False,
            "return_tokens_as_token_ids": True,
            "return_token_ids": True,
            **self.extra_body,
        }
        if params.seed is not None:
            body["seed"] = params.seed
        data = await self._request("POST", "/completions", body)
        if not isinstance(data, dict):
            raise InfraError(f"{self.base_url}/completions: reply is not an object: {data!r:.300}")
        try:
            choice = data["choices"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise InfraError(f"{self.base_url}/completions: no choices in {data!r:.300}") from exc
        text = choice.get("text") or ""
        lp = choice.get("logprobs") or {}
        ids = choice.get("token_ids")
        if ids is None and lp.get("tokens") is not None:
            ids = [_token_id(t, self.base_url) for t in lp["tokens"]]
        if ids is None:
            raise InfraError(
                f"{self.base_url}/completions returned text but no token ids; token-in/token-out "
                "needs `return_tokens_as_token_ids` (vLLM) or a `token_ids` field"
            )
        logprobs = lp.get("token_logprobs")
        if not isinstance(ids, list) or (logprobs is not None and not isinstance(logprobs, list)):
            raise InfraError(f"{self.base_url}/completions: token ids and logprobs must be lists")
        ids = list(ids)
        if logprobs is not None:
            logprobs = [0.0 if x is None else x for x in logprobs]
            if len(logprobs) != len(ids):
                raise InfraError(
                    f"{self.base_url}/completions: {len(logprobs)} logprobs for {len(ids)} tokens"
                )
        # Checked here, where they enter: an id outside the vocabulary would otherwise crash
        # training in the embedding, a NaN logprob would be written as non-standard JSON.
        problem = generation_problem(
            Generation(token_ids=ids, logprobs=logprobs), vocab_size_of(self.chat_format, ids)
        )
        if problem:
            raise InfraError(f"{self.base_url}/completions: {problem}")
        logprobs = None if logprobs is None else [float(x) for x in logprobs]
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        info: dict[str, Any] = {}
        stops = set(params.stop_token_ids)
        if finish == "stop" and stops and (not ids or ids[-1] not in stops):
            # Servers that drop the matched stop token: put it back, the loss mask covers it.
            ids.append(min(stops))
            if logprobs is not None:
                logprobs.append(0.0)
            info["stop_token_restored"] = True
        if self.chat_format is not None:
            text = decode_ids(self.chat_format, ids)
        return Generation(
            token_ids=ids, logprobs=logprobs, text=text, finish_reason=finish, info=info
        )

    async def _generate_chat(
        self, params: SamplingParams, context: GenerationContext
    ) -> Generation:
        body: dict[str, Any] = {
            "model": await self.resolve_model(),
            "messages": list(context.messages),
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            **self.extra_body,
        }
        if context.tools:
            body["tools"] = list(context.tools)
        if context.thinking:
            body.setdefault("chat_template_kwargs", {"thinking": True})
        if params.seed is not None:
            body["seed"] = params.seed
        data = await self._request("POST", "/chat/completions", body)
        try:
            choice = data["choices"][0]
            raw = choice["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise InfraError(f"{self.base_url}/chat/completions: bad reply {data!r:.300}") from exc
        message: dict[str, Any] = {"role": "assistant", "content": raw.get("content") or ""}
        if raw.get("reasoning_content"):
            message["reasoning_content"] = raw["reasoning_content"]
        if raw.get("tool_calls"):
            message["tool_calls"] = [
                {
                    "id": c.get("id", ""),
                    "type": "function",
                    "function": {
                        "name": c["function"]["name"],
                        "arguments": _arguments(c["function"].get("arguments", "{}")),
                    },
                }
                for c in raw["tool_calls"]
            ]
        ids = encode_completion(self.chat_format, message, context.thinking)
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        info: dict[str, Any] = {"message": message}
        if finish == "length" and ids and ids[-1] in set(self.chat_format.stop_token_ids):
            ids = ids[:-1]  # the server cut the reply off: the turn has no end token
        if len(ids) > params.max_tokens:
            # The server counts its own tokens; the budget is in ours, so cut to it.
            info["reencoded_tokens"] = len(ids)
            ids, finish = ids[: params.max_tokens], "length"
        text = decode_ids(self.chat_format, ids)
        return Generation(token_ids=ids, logprobs=None, text=text, finish_reason=finish, info=info)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"reply holds {name}, not a finite number (not standard JSON)")


def _token_id(token: Any, where: str) -> int:
    """vLLM writes ids as "token_id:123" with `return_tokens_as_token_ids`."""
    if isinstance(token, int) and not isinstance(token, bool):
        return token
    if isinstance(token, str) and token.startswith("token_id:"):
        try:
            return int(token.split(":", 1)[1])
        except ValueError:
            pass
    raise InfraError(f"{where}/completions: token {token!r} is not an id ('token_id:N')")


def _arguments(value: Any) -> str:
    """Arguments are a JSON string in our messages, whatever the server sent."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
