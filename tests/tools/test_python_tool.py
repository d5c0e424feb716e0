"""The sandboxed `python` tool (tool-integrated reasoning), and its lifecycle in a ToolSet."""

from __future__ import annotations

import json

import pytest
from agent_rl.tools import ToolSet
from agent_rl.tools.sandbox import python_tool as sandbox_python_tool


@pytest.fixture(scope="module")
def sandbox():
    from agent_rl.tools.sandbox import get_sandbox

    from agent_rl.errors import InfraError

    try:
        box = get_sandbox("bwrap", shared=False, max_concurrency=4)
    except InfraError as exc:
        pytest.skip(f"no bubblewrap sandbox here: {exc}")
    yield box
    box.close()


def python_tool(sandbox, **kwargs):
    return sandbox_python_tool(sandbox, name="python", **kwargs)


def call(code: str, call_id: str = "c") -> dict:
    return {"id": call_id, "type": "function",
            "function": {"name": "python", "arguments": json.dumps({"code": code})}}


def test_python_tool_computes_and_keeps_state_between_calls(sandbox) -> None:
    tool = python_tool(sandbox)
    assert tool.name == "python"
    assert tool.spec()["function"]["parameters"]["required"] == ["code"]
    tools = ToolSet([tool])
    first = tools.call(call("from fractions import Fraction\nx = Fraction(1, 3) + Fraction(1, 6)\nprint(x)"))
    assert first.ok and "1/2" in first.content
    second = tools.call(call("x * 4"))  # a later call on another thread sees the same state
    assert second.ok and "2" in second.content and "restarted" not in second.content
    tools.reset()  # what the env does at each episode start
    third = tools.call(call("x"))
    assert "NameError" in third.content
    tools.close()
    assert tool.fn.session._proc is None


def test_python_tool_reports_sandbox_failure_as_infra_error() -> None:
    from agent_rl.tools.sandbox import BwrapSandbox

    tool = python_tool(BwrapSandbox(bwrap="/nonexistent/bwrap"))
    result = ToolSet([tool]).call(call("1 + 1"))
    assert result.error is not None
    assert result.value is not None and result.value.infra_error
    assert result.infra_error == result.value.infra_error  # the ToolResult carries it


def test_python_tool_errors_are_readable(sandbox) -> None:
    tool = python_tool(sandbox, timeout=1.0)
    tools = ToolSet([tool])
    result = tools.call(call("1 / 0"))
    assert result.ok and "ZeroDivisionError" in result.content
    slow = tools.call(call("while True:\n    pass"))
    assert "timed out" in slow.content
    assert slow.value.timed_out and not slow.value.infra_error and slow.infra_error is None
    tools.close()
