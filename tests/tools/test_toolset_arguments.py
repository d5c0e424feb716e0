"""Model-controlled tool arguments that once raised out of ToolSet (issue 11, item 5).

Every failure of decoding, validating or coercing arguments must come back as a ToolResult
the model can read, through `call` and `acall` (which an env's `step` uses).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from agent_rl.tools import ToolResult, ToolSet, tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def echo(items: list) -> str:
    """Say how many items came."""
    return str(len(items))


def _call(name: str, arguments) -> dict:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}


HUGE_INT = "9" * 5000  # past CPython's 4,300-digit int/str conversion limit
HOSTILE = [
    ("add", '{"a": ' + HUGE_INT + ', "b": 1}'),
    ("add", '{"a": -' + HUGE_INT + ', "b": 1}'),
    ("echo", '{"items": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("echo", '{"items": [' + '{"x":' * 50_000 + "1" + "}" * 50_000 + "]}"),
    ("add", '{"a": NaN, "b": 1}'),
    ("add", '{"a": Infinity, "b": 1}'),
    ("add", '{"a": 1e999, "b": 1}'),
    ("add", "null"),
    ("add", '"\\ud800"'),
]


@pytest.mark.parametrize(("name", "arguments"), HOSTILE)
def test_hostile_arguments_become_readable_results(name, arguments) -> None:
    tools = ToolSet([add, echo])
    for result in (tools.call(_call(name, arguments)),
                   asyncio.run(tools.acall(_call(name, arguments)))):
        assert isinstance(result, ToolResult)
        assert result.error in ("invalid_json", "invalid_arguments"), result.content
        assert result.content.startswith("Error:") and name in result.content
        assert len(result.content) < 5000
        assert result.tool_call_id == "c1"


def test_already_decoded_hostile_arguments_are_readable_too() -> None:
    """Arguments that arrive as objects (some parsers decode them) go through validation."""
    tools = ToolSet([add, echo])
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    for arguments in ({"a": 10**5000, "b": 1}, {"items": nested}):
        result = tools.call(_call("echo" if "items" in arguments else "add", arguments))
        assert result.error == "invalid_arguments", result.content
        assert len(result.content) < 5000


def test_honest_arguments_still_work() -> None:
    tools = ToolSet([add, echo])
    assert tools.call(_call("add", json.dumps({"a": 2, "b": 3}))).content == "5"
    assert tools.call(_call("add", json.dumps({"a": 10**300, "b": 0}))).value == 10**300
    assert tools.call(_call("echo", json.dumps({"items": [[[1]], {"k": [2]}]}))).content == "2"
