"""Tool core: schemas from typed functions, validation, every failure as a readable ToolResult."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import time
from typing import Annotated, Literal, Optional, TypedDict

import pytest
from agent_rl.tools import Tool, ToolResult, ToolSet, UnknownToolError, tool, truncate_text

from agent_rl.errors import ConfigError


def _call(name: str, arguments: object, call_id: str = "call_1") -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0


class Filter(TypedDict):
    field: str
    value: int


@tool
def search(
    query: str,
    limit: int = 5,
    tags: list[str] | None = None,
    mode: Literal["fast", "exact"] = "fast",
    color: Color = Color.RED,
    weights: dict[str, float] | None = None,
    point: Optional[Point] = None,  # noqa: UP045 - the old spelling must work too
    where: Filter | None = None,
    note: Annotated[str, "free text"] = "",
) -> dict:
    """Search the catalogue.

    Longer explanation that still belongs to the description.

    Args:
        query: what to look for.
        limit (int): how many results
            to return at most.
        tags: only items with all these tags.
        mode: matching mode.
        color: colour filter.

    Returns:
        The matches.
    """
    return {
        "query": query,
        "limit": limit,
        "tags": tags,
        "mode": mode,
        "color": color.name,
        "weights": weights,
        "point": None if point is None else [type(point).__name__, point.x, point.y],
        "where": where,
        "note": note,
    }


def test_schema_from_type_hints_and_docstring() -> None:
    spec = search.spec()
    assert spec["type"] == "function"
    fn = spec["function"]
    assert fn["name"] == "search"
    assert fn["description"].startswith("Search the catalogue.")
    assert "Longer explanation" in fn["description"] and "Returns" not in fn["description"]
    params = fn["parameters"]
    props = params["properties"]
    assert params["required"] == ["query"]
    assert params["additionalProperties"] is False
    assert props["query"] == {"type": "string", "description": "what to look for."}
    assert props["limit"] == {
        "type": "integer",
        "description": "how many results to return at most.",
        "default": 5,
    }
    assert props["tags"]["anyOf"][0] == {"type": "array", "items": {"type": "string"}}
    assert props["mode"]["enum"] == ["fast", "exact"] and props["mode"]["type"] == "string"
    assert props["color"]["enum"] == ["red", "blue"] and props["color"]["default"] == "red"
    assert props["weights"]["anyOf"][0]["additionalProperties"] == {"type": "number"}
    point = props["point"]["anyOf"][0]
    assert point["required"] == ["x"] and point["properties"]["x"] == {"type": "number"}
    assert props["where"]["anyOf"][0]["required"] == ["field", "value"]
    assert props["note"]["description"] == "free text"


def test_valid_call_coerces_enums_and_dataclasses() -> None:
    ts = ToolSet([search])
    result = ts.call(
        _call(
            "search",
            {"query": "q", "color": "blue", "point": {"x": 1, "y": 2.5}, "tags": ["a"]},
        )
    )
    assert result.ok, result.content
    assert result.value["color"] == "BLUE"
    assert result.value["point"] == ["Point", 1.0, 2.5]
    assert json.loads(result.content)["tags"] == ["a"]
    assert result.name == "search" and result.tool_call_id == "call_1"


def test_arguments_may_be_a_dict_or_empty() -> None:
    @tool
    def ping() -> str:
        """Answer pong."""
        return "pong"

    ts = ToolSet([ping, search])
    assert ts.call(_call("ping", "")).content == "pong"
    assert ts.call({"id": "x", "function": {"name": "ping"}}).content == "pong"
    direct = {"id": "x", "type": "function", "function": {"name": "search",
                                                         "arguments": {"query": "z"}}}
    assert ts.call(direct).value["query"] == "z"


def test_unknown_tool_suggests_close_names() -> None:
    ts = ToolSet([search])
    result = ts.call(_call("serch", {"query": "q"}))
    assert result.error == "unknown_tool"
    assert "'serch'" in result.content and "Did you mean 'search'" in result.content
    with pytest.raises(UnknownToolError, match="search"):
        ts.get("serch")
    assert ts.get("search") is search


def test_invalid_json_and_non_object_arguments() -> None:
    ts = ToolSet([search])
    bad = ts.call(_call("search", '{"query": "q",'))
    assert bad.error == "invalid_json" and "not valid JSON" in bad.content
    not_object = ts.call(_call("search", "[1, 2]"))
    assert not_object.error == "invalid_arguments" and "list" in not_object.content


def test_schema_violation_names_the_path() -> None:
    ts = ToolSet([search])
    result = ts.call(_call("search", {"query": "q", "point": {"x": "far"}}))
    assert result.error == "invalid_arguments"
    assert "$.point" in result.content and "far" in result.content
    missing = ts.call(_call("search", {"limit": 3}))
    assert missing.error == "invalid_arguments" and "'query' is a required property" in (
        missing.content
    )
    extra = ts.call(_call("search", {"query": "q", "bogus": 1}))
    assert extra.error == "invalid_arguments" and "bogus" in extra.content
    enum_bad = ts.call(_call("search", {"query": "q", "mode": "slow"}))
    assert enum_bad.error == "invalid_arguments" and "$.mode" in enum_bad.content


def test_exception_in_tool_becomes_a_result() -> None:
    @tool
    def divide(a: float, b: float) -> float:
        """Divide a by b."""
        return a / b

    ts = ToolSet([divide])
    result = ts.call(_call("divide", {"a": 1, "b": 0}))
    assert result.error == "exception"
    assert "ZeroDivisionError" in result.content and "divide" in result.content
    assert ts.call(_call("divide", {"a": 1, "b": 4})).value == 0.25


async def test_async_tools_and_timeouts() -> None:
    @tool(timeout=0.2)
    async def slow(seconds: float) -> str:
        """Sleep then answer."""
        await asyncio.sleep(seconds)
        return "done"

    @tool(timeout=0.2)
    def slow_sync(seconds: float) -> str:
        """Block then answer."""
        time.sleep(seconds)
        return "done"

    ts = ToolSet([slow, slow_sync])
    assert (await ts.acall(_call("slow", {"seconds": 0.0}))).content == "done"
    assert (await ts.acall(_call("slow_sync", {"seconds": 0.0}))).content == "done"
    late = await ts.acall(_call("slow", {"seconds": 5}))
    assert late.error == "timeout" and "timed out after 0.2 s" in late.content
    late_sync = await ts.acall(_call("slow_sync", {"seconds": 5}))
    assert late_sync.error == "timeout"
    assert ts.call(_call("slow_sync", {"seconds": 5})).error == "timeout"
    assert ts.call(_call("slow", {"seconds": 5})).error == "timeout"


async def test_sync_tool_does_not_block_the_event_loop() -> None:
    @tool
    def block(seconds: float) -> str:
        """Block."""
        time.sleep(seconds)
        return "ok"

    ts = ToolSet([block])
    results = await asyncio.gather(*(ts.acall(_call("block", {"seconds": 0.3})) for _ in range(4)))
    assert [r.content for r in results] == ["ok"] * 4


async def test_acall_many_keeps_order_and_ids() -> None:
    @tool
    async def echo(text: str) -> str:
        """Echo."""
        await asyncio.sleep(0.01 * len(text))
        return text

    ts = ToolSet([echo])
    calls = [_call("echo", {"text": t}, call_id=f"c{i}") for i, t in enumerate(["ccc", "a", "bb"])]
    results = await ts.acall_many(calls)
    assert [r.content for r in results] == ["ccc", "a", "bb"]
    assert [r.to_message(c)["tool_call_id"] for r, c in zip(results, calls, strict=True)] == ["c0", "c1", "c2"]


def test_call_works_inside_a_running_loop() -> None:
    @tool
    async def hello() -> str:
        """Greet."""
        return "hi"

    ts = ToolSet([hello])

    async def inner() -> ToolResult:
        return ts.call(_call("hello", {}))

    assert asyncio.run(inner()).content == "hi"


def test_truncation_per_toolset_and_per_tool() -> None:
    @tool
    def big(n: int) -> str:
        """Produce n characters."""
        return "".join(chr(ord("a") + i % 26) for i in range(n))

    @tool(max_output_chars=50)
    def small_limit(n: int) -> str:
        """Produce n characters."""
        return "x" * n

    ts = ToolSet([big, small_limit], max_output_chars=200)
    result = ts.call(_call("big", {"n": 20_000}))
    assert result.truncated and len(result.content) <= 200
    assert f"...[truncated {result.truncated_chars} chars]..." in result.content
    assert result.content.startswith("abcdef") and result.content.endswith(big.fn(20_000)[-10:])
    assert 20_000 - result.truncated_chars == len(result.content) - len(
        f"\n...[truncated {result.truncated_chars} chars]...\n"
    )
    assert ts.call(_call("big", {"n": 100})).truncated_chars == 0
    limited = ts.call(_call("small_limit", {"n": 1000}))
    assert limited.truncated and len(limited.content) <= 50 + 40
    unlimited = ToolSet([big], max_output_chars=None).call(_call("big", {"n": 50_000}))
    assert len(unlimited.content) == 50_000 and not unlimited.truncated


def test_truncate_text_marker() -> None:
    text, cut = truncate_text("0123456789" * 100, 100)
    assert cut > 0 and "[truncated" in text and len(text) <= 100
    assert truncate_text("short", 100) == ("short", 0)


def test_to_message() -> None:
    call = _call("search", {"query": "q"}, call_id="abc")
    result = ToolSet([search]).call(call)
    message = result.to_message(call)
    assert message["role"] == "tool" and message["tool_call_id"] == "abc"
    assert message["name"] == "search" and message["content"] == result.content


def test_explicit_schema_tool_and_errors_at_construction() -> None:
    def lookup(city: str) -> str:
        return f"sunny in {city}"

    weather = Tool(
        "weather",
        "The weather in a city.",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        lookup,
    )
    ts = ToolSet([weather])
    assert ts.call(_call("weather", {"city": "Paris"})).content == "sunny in Paris"
    assert ts.call(_call("weather", {"city": 3})).error == "invalid_arguments"
    assert ts.specs() == [weather.spec()]
    with pytest.raises(ConfigError, match="invalid tool name"):
        Tool("bad name!", "", None, lookup)
    with pytest.raises(ConfigError, match="invalid JSON schema"):
        Tool("w", "", {"type": "object", "properties": {"a": {"type": "nope"}}}, lookup)
    with pytest.raises(ConfigError, match="duplicate tool name"):
        ToolSet([weather, weather])


def test_returned_tool_result_passes_through() -> None:
    @tool
    def picky(x: int) -> ToolResult:
        """Refuses odd numbers itself."""
        if x % 2:
            return ToolResult(content="odd numbers are not allowed", error="exception")
        return ToolResult(content="fine")

    ts = ToolSet([picky])
    assert ts.call(_call("picky", {"x": 1})).error == "exception"
    assert ts.call(_call("picky", {"x": 2})).content == "fine"


def test_plain_functions_are_wrapped_and_tools_stay_callable() -> None:
    def twice(x: int) -> int:
        """Double x."""
        return 2 * x

    ts = ToolSet([twice])
    assert ts.call(_call("twice", {"x": 4})).content == "8"
    assert search(query="q")["limit"] == 5
