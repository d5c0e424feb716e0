"""HTTP tools against a real server on 127.0.0.1 (http.server in a thread), no mocks."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from agent_rl.tools import ToolSet, http_tool, openapi_tools

from agent_rl.errors import ConfigError

PETS = {"1": {"id": 1, "name": "Rex", "tag": "dog"}, "2": {"id": 2, "name": "Tom", "tag": "cat"}}


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[Counter] = Counter()

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        Handler.hits[url.path] += 1
        if url.path == "/pets":
            pets = [p for p in PETS.values() if "tag" not in query or p["tag"] == query["tag"]]
            self._send(200, pets[: int(query.get("limit", 100))])
        elif url.path.startswith("/pets/"):
            pet = PETS.get(url.path.rsplit("/", 1)[1])
            self._send(200 if pet else 404, pet or {"error": "no such pet"})
        elif url.path == "/flaky":
            key = query.get("key", "")
            Handler.hits["flaky:" + key] += 1
            if Handler.hits["flaky:" + key] <= int(query.get("fail", 2)):
                self._send(503, {"error": "try later"})
            else:
                self._send(200, {"ok": True, "attempts": Handler.hits["flaky:" + key]})
        elif url.path == "/slow":
            time.sleep(float(query.get("s", 2)))
            self._send(200, {"ok": True})
        elif url.path == "/auth":
            self._send(200, {"auth": self.headers.get("Authorization")})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        data = json.loads(self.rfile.read(length) or b"null")
        if self.path == "/pets":
            self._send(201, {"created": data})
        else:
            self._send(404, {"error": "not found"})


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets.",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1},
                     "description": "At most this many."},
                    {"name": "tag", "in": "query", "schema": {"$ref": "#/components/schemas/Tag"}},
                ],
            },
            "post": {
                "operationId": "createPet",
                "summary": "Create a pet.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/NewPet"}}},
                },
            },
        },
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"operationId": "getPet", "summary": "One pet by id."},
        },
    },
    "components": {"schemas": {
        "Tag": {"type": "string", "enum": ["dog", "cat"]},
        "NewPet": {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string"},
                                  "tag": {"$ref": "#/components/schemas/Tag"},
                                  "nickname": {"type": "string", "nullable": True}}},
    }},
}


def _call(name: str, args: dict) -> dict:
    return {"id": "c", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


def test_openapi_operations_become_tools(server):
    tools = openapi_tools(SPEC, base_url=server)
    assert tools.names == ["listPets", "createPet", "getPet"]
    list_params = tools.get("listPets").parameters
    assert list_params["properties"]["limit"]["description"] == "At most this many."
    assert list_params["properties"]["tag"]["enum"] == ["dog", "cat"]
    assert "required" not in list_params
    create = tools.get("createPet").parameters
    assert create["required"] == ["name"]
    assert create["properties"]["nickname"]["type"] == ["string", "null"]
    assert tools.get("getPet").parameters["required"] == ["petId"]

    listed = tools.call(_call("listPets", {"tag": "cat"}))
    assert listed.ok and json.loads(listed.content) == [PETS["2"]]
    assert json.loads(tools.call(_call("listPets", {"limit": 1})).content) == [PETS["1"]]
    assert json.loads(tools.call(_call("getPet", {"petId": "1"})).content)["name"] == "Rex"
    created = tools.call(_call("createPet", {"name": "Nemo", "tag": "cat"}))
    assert json.loads(created.content) == {"created": {"name": "Nemo", "tag": "cat"}}


def test_schema_violations_never_reach_the_server(server):
    tools = openapi_tools(SPEC, base_url=server)
    before = Handler.hits["/pets"]
    bad = tools.call(_call("listPets", {"tag": "bird"}))
    assert bad.error == "invalid_arguments" and "$.tag" in bad.content
    assert tools.call(_call("createPet", {"tag": "dog"})).error == "invalid_arguments"
    assert Handler.hits["/pets"] == before


def test_http_errors_become_readable_results(server):
    tools = openapi_tools(SPEC, base_url=server)
    missing = tools.call(_call("getPet", {"petId": "99"}))
    assert missing.error == "exception"
    assert "HTTP 404" in missing.content and "no such pet" in missing.content


def test_retries_on_5xx_with_backoff(server):
    flaky = http_tool(
        "flaky", f"{server}/flaky",
        parameters={"type": "object", "properties": {"key": {"type": "string"},
                                                     "fail": {"type": "integer"}}},
        retries=3, backoff=0.01,
    )
    ts = ToolSet([flaky])
    ok = ts.call(_call("flaky", {"key": "a", "fail": 2}))
    assert ok.ok and json.loads(ok.content) == {"ok": True, "attempts": 3}
    gave_up = ts.call(_call("flaky", {"key": "b", "fail": 10}))
    assert gave_up.error == "exception" and "HTTP 503" in gave_up.content
    assert Handler.hits["flaky:b"] == 4


def test_connection_errors_are_retried_then_reported():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = http_tool("dead", f"http://127.0.0.1:{port}/x", retries=1, backoff=0.01)
    result = ToolSet([dead]).call(_call("dead", {}))
    assert result.error == "exception" and "failed after 2 attempts" in result.content


def test_request_timeout(server):
    slow = http_tool("slow", f"{server}/slow",
                     parameters={"type": "object", "properties": {"s": {"type": "number"}}},
                     timeout=0.3, retries=0)
    result = ToolSet([slow]).call(_call("slow", {"s": 2}))
    assert result.error == "exception" and "timed out" in result.content


def test_path_placeholders_headers_and_json_body(server):
    pet = http_tool("pet", f"{server}/pets/{{petId}}")
    assert pet.parameters["required"] == ["petId"]
    assert json.loads(ToolSet([pet]).call(_call("pet", {"petId": "2"})).content)["tag"] == "cat"
    auth = http_tool("auth", f"{server}/auth", headers={"Authorization": "Bearer t0k"})
    assert json.loads(ToolSet([auth]).call(_call("auth", {})).content) == {"auth": "Bearer t0k"}
    create = http_tool("create", f"{server}/pets", method="POST",
                       parameters={"type": "object", "properties": {"name": {"type": "string"}}})
    out = ToolSet([create]).call(_call("create", {"name": "Kit"}))
    assert json.loads(out.content) == {"created": {"name": "Kit"}}


def test_openapi_from_file_and_bad_documents(tmp_path, server):
    path = tmp_path / "api.json"
    path.write_text(json.dumps({**SPEC, "servers": [{"url": server}]}))
    tools = openapi_tools(path, include=["getPet"])
    assert tools.names == ["getPet"]
    with pytest.raises(ConfigError, match="OpenAPI 3"):
        openapi_tools({"swagger": "2.0", "paths": {}}, base_url=server)
    with pytest.raises(ConfigError, match="servers"):
        openapi_tools(SPEC)
    with pytest.raises(ConfigError, match="not found"):
        openapi_tools(SPEC, base_url=server, include=["nope"])


async def test_async_calls_run_concurrently(server):
    slow = http_tool("slow", f"{server}/slow",
                     parameters={"type": "object", "properties": {"s": {"type": "number"}}})
    ts = ToolSet([slow])
    results = await ts.acall_many([_call("slow", {"s": 0.3}) for _ in range(4)])
    assert all(r.ok for r in results)
