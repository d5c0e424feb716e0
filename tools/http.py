"""HTTP tools through httpx: from an OpenAPI 3 document, or from a JSON schema plus a URL.

Each operation becomes a `Tool` whose schema merges the path and query parameters and the
JSON body's properties, so the model sees one flat argument object. Calls retry connection
errors, 429 and 5xx with exponential backoff; a final HTTP error or an unreachable server
raises `HTTPToolError`, which `ToolSet` turns into a readable result for the model.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from agent_rl.tools.tool import Tool
from agent_rl.tools.toolset import ToolSet

from agent_rl.errors import AgentRLError, ConfigError, DataError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_PLACEHOLDER = re.compile(r"{([^}]+)}")


class HTTPToolError(AgentRLError, RuntimeError):
    """An HTTP tool call failed for good (status, or no connection after the retries)."""


class _Clients:
    """One pooled httpx.Client per thread-safe use; httpx.Client is safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=True)
            return self._client


_shared = _Clients()


def _request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    json_body: Any,
    headers: Mapping[str, str] | None,
    timeout: float,
    retries: int,
    backoff: float,
    client: httpx.Client | None,
) -> httpx.Response:
    http = client or _shared.get()
    last_error = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * (2 ** (attempt - 1)))
        try:
            response = http.request(
                method.upper(), url, params=params, json=json_body, headers=headers,
                timeout=timeout,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
                httpx.ReadError) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            log.debug("http tool %s %s: %s (attempt %d)", method, url, last_error, attempt + 1)
            continue
        except httpx.TimeoutException as exc:
            raise HTTPToolError(f"{method.upper()} {url} timed out after {timeout:g} s") from exc
        if response.status_code in RETRY_STATUSES and attempt < retries:
            last_error = f"HTTP {response.status_code}"
            continue
        return response
    raise HTTPToolError(
        f"{method.upper()} {url} failed after {retries + 1} attempts: {last_error}"
    )


def _render(response: httpx.Response, method: str, url: str) -> str:
    text = response.text
    if response.status_code >= 400:
        raise HTTPToolError(f"HTTP {response.status_code} from {method.upper()} {url}: "
                            f"{text[:1000]}")
    if "json" in response.headers.get("content-type", ""):
        try:
            return json.dumps(response.json(), ensure_ascii=False)
        except ValueError:
            return text
    return text


def http_tool(
    name: str,
    url: str,
    *,
    method: str = "GET",
    parameters: dict[str, Any] | None = None,
    description: str = "",
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    timeout: float = 10.0,
    retries: int = 2,
    backoff: float = 0.2,
    client: httpx.Client | None = None,
    max_output_chars: int | None = None,
) -> Tool:
    """A tool that calls `url` with its arguments.

    `{name}` placeholders in the URL are filled from the arguments of the same name; the
    other arguments go in the query string (`body="query"`, default for GET/DELETE/HEAD) or
    as a JSON body (`body="json"`, default otherwise).

    Example:
        >>> weather = http_tool("weather", "http://127.0.0.1:8000/weather/{city}",
        ...                     parameters={"type": "object",
        ...                                 "properties": {"city": {"type": "string"}},
        ...                                 "required": ["city"]})
    """
    method = method.lower()
    if method not in _METHODS:
        raise ConfigError(f"unsupported HTTP method {method!r}", key=f"tool {name}.method")
    if body is None:
        body = "query" if method in ("get", "delete", "head", "options") else "json"
    if body not in ("query", "json"):
        raise ConfigError("body must be 'query' or 'json'", key=f"tool {name}.body")
    path_params = set(_PLACEHOLDER.findall(url))
    locations = {p: "path" for p in path_params}
    schema = parameters or {
        "type": "object",
        "properties": {p: {"type": "string"} for p in sorted(path_params)},
        "required": sorted(path_params),
    }
    for prop in schema.get("properties", {}):
        locations.setdefault(prop, body)
    return _build_tool(name, description or f"{method.upper()} {url}", schema, method, url,
                       locations, headers, timeout, retries, backoff, client, max_output_chars)


def _build_tool(
    name: str,
    description: str,
    schema: dict[str, Any],
    method: str,
    url: str,
    locations: dict[str, str],
    headers: Mapping[str, str] | None,
    timeout: float,
    retries: int,
    backoff: float,
    client: httpx.Client | None,
    max_output_chars: int | None,
) -> Tool:
    def call(**arguments: Any) -> str:
        target = url
        params: dict[str, Any] = {}
        json_body: Any = None
        body_fields: dict[str, Any] = {}
        for key, value in arguments.items():
            where = locations.get(key, "query")
            if where == "path":
                target = target.replace("{" + key + "}", quote(str(value), safe=""))
            elif where == "query":
                params[key] = json.dumps(value) if isinstance(value, (dict, list)) else value
            elif where == "body":
                json_body = value
            else:  # "json": a property of the JSON body
                body_fields[key] = value
        if body_fields:
            json_body = {**(json_body or {}), **body_fields} if isinstance(
                json_body, (dict, type(None))) else json_body
        response = _request(
            method, target, params=params or None, json_body=json_body, headers=headers,
            timeout=timeout, retries=retries, backoff=backoff, client=client,
        )
        return _render(response, method, target)

    # Outer retries and timeouts are the request's; the tool-level timeout is a backstop.
    backstop = (timeout + backoff * 2 ** retries) * (retries + 1) + 5
    return Tool(name, description, schema, call, timeout=backstop,
                max_output_chars=max_output_chars)


# -- OpenAPI ------------------------------------------------------------------------------------


def _load_spec(spec: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(spec, Mapping):
        return dict(spec)
    path = Path(spec)
    try:
        text = path.read_text()
    except OSError as exc:
        raise DataError(f"cannot read OpenAPI document: {exc}", path=str(path)) from exc
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except Exception as exc:
        raise DataError(f"invalid OpenAPI document: {exc}", path=str(path)) from exc


def _resolve(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Inline local `$ref`s (`#/components/...`); a cycle is cut to an open schema."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise ConfigError(f"only local $ref are supported, got {ref!r}", key="$ref")
            if ref in seen:
                return {}
            target: Any = root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise ConfigError(f"unresolvable $ref {ref!r}", key="$ref")
                target = target[part]
            merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
            return _resolve(merged, root, (*seen, ref))
        return {k: _resolve(v, root, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, root, seen) for v in node]
    return node


_OPENAPI_ONLY = ("nullable", "example", "xml", "externalDocs", "deprecated", "readOnly",
                 "writeOnly", "discriminator")


def _clean_schema(schema: Any) -> Any:
    """OpenAPI 3.0 schema → JSON schema: `nullable` becomes a null type, extras go."""
    if isinstance(schema, list):
        return [_clean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _clean_schema(v) for k, v in schema.items() if k not in _OPENAPI_ONLY}
    if schema.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _tool_name(operation: dict[str, Any], method: str, path: str) -> str:
    name = operation.get("operationId") or f"{method}_{path}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    return name[:64] or method


def openapi_tools(
    spec: Mapping[str, Any] | str | Path,
    *,
    base_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    include: Iterable[str] | None = None,
    timeout: float = 10.0,
    retries: int = 2,
    backoff: float = 0.2,
    client: httpx.Client | None = None,
    max_output_chars: int | None = None,
) -> ToolSet:
    """One tool per operation of an OpenAPI 3 document (a dict, or a .json/.yaml path).

    Args:
        spec: the document.
        base_url: server URL (default: the document's first `servers` entry).
        headers: sent with every request (e.g. authorization).
        include: operation names to keep (default: all).
        timeout, retries, backoff: per request; retries cover connection errors, 429 and 5xx.
    """
    doc = _load_spec(spec)
    version = str(doc.get("openapi", ""))
    if not version.startswith("3"):
        raise ConfigError(f"expected an OpenAPI 3 document, got openapi={version!r}",
                          key="openapi")
    if base_url is None:
        servers = doc.get("servers") or []
        if not servers or "url" not in servers[0]:
            raise ConfigError("no base_url given and the document has no servers entry",
                              key="servers")
        base_url = servers[0]["url"]
    base_url = base_url.rstrip("/")
    wanted = set(include) if include is not None else None
    tools: list[Tool] = []
    for path, item in (doc.get("paths") or {}).items():
        item = _resolve(item, doc)
        shared_params = item.get("parameters", [])
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            name = _tool_name(operation, method, path)
            if wanted is not None and name not in wanted:
                continue
            properties: dict[str, Any] = {}
            required: list[str] = []
            locations: dict[str, str] = {}
            params = {(p.get("in"), p.get("name")): p for p in shared_params}
            params.update({(p.get("in"), p.get("name")): p
                           for p in operation.get("parameters", [])})
            for (where, pname), param in params.items():
                if where not in ("path", "query") or not pname:
                    continue
                prop = _clean_schema(param.get("schema", {"type": "string"}))
                if param.get("description") and "description" not in prop:
                    prop = {**prop, "description": param["description"]}
                properties[pname] = prop
                locations[pname] = where
                if param.get("required") or where == "path":
                    required.append(pname)
            body = (operation.get("requestBody") or {})
            content = (body.get("content") or {}).get("application/json")
            if content is not None:
                body_schema = _clean_schema(content.get("schema", {}))
                body_props = body_schema.get("properties") if body_schema.get(
                    "type", "object") == "object" else None
                if body_props and not set(body_props) & set(properties):
                    for key, prop in body_props.items():
                        properties[key] = prop
                        locations[key] = "json"
                    if body.get("required"):
                        required += [k for k in body_schema.get("required", [])]
                else:
                    properties["body"] = body_schema
                    locations["body"] = "body"
                    if body.get("required"):
                        required.append("body")
            schema: dict[str, Any] = {"type": "object", "properties": properties}
            if required:
                schema["required"] = list(dict.fromkeys(required))
            description = operation.get("summary") or operation.get("description") or (
                f"{method.upper()} {path}")
            if operation.get("summary") and operation.get("description"):
                description = f"{operation['summary']}\n\n{operation['description']}"
            tools.append(_build_tool(
                name, description, schema, method, base_url + path, locations, headers,
                timeout, retries, backoff, client, max_output_chars,
            ))
    if wanted is not None:
        missing = wanted - {t.name for t in tools}
        if missing:
            raise ConfigError(f"operations not found: {sorted(missing)}", key="include")
    return ToolSet(tools)
