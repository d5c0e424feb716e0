"""The `python` tool for tool-integrated reasoning (math with code), on the project's sandbox.

A thin layer over `agent_rl.tools.sandbox.python_tool` (the one sandboxed executor): same persistent
interpreter, named `python` and described for computation rather than for testing programs.
An env that enables it should call `reset_python_tool(tool)` at each `reset` so no state
leaks between episodes, and must treat `ToolResult.value.infra_error` as an infrastructure
failure (not the agent's).
"""

from __future__ import annotations

from typing import Any

TIR_DESCRIPTION = (
    "Run Python 3 code in an isolated sandbox (no network; math, fractions, itertools and the "
    "standard library are available) and return what it prints. Variables persist between "
    "calls; the value of a final expression is printed. Use it for exact arithmetic, "
    "enumeration and checking your work."
)


def python_tool(sandbox: Any = None, *, name: str = "python", timeout: float = 10.0,
                persistent: bool = True) -> Any:
    """A `agent_rl.tools.Tool` named `python` that runs code in `sandbox` (default: get_sandbox("auto")).

    Args:
        sandbox: a `agent_rl.tools.sandbox.Sandbox` or a backend name (`auto`, `bwrap`, `docker`).
        name: the tool name the model calls.
        timeout: seconds per call.
        persistent: keep one interpreter per tool (state survives between calls).

    Raises:
        InfraError: `sandbox` names a backend that cannot run here.
    """
    from agent_rl.tools.sandbox import get_sandbox
    from agent_rl.tools.sandbox import python_tool as sandbox_python_tool

    if sandbox is None or isinstance(sandbox, str):
        sandbox = get_sandbox(sandbox or "auto")
    built = sandbox_python_tool(sandbox, name=name, persistent=persistent,
                                timeout=timeout)
    built.description = TIR_DESCRIPTION
    return built


def reset_python_tool(tool: Any) -> None:
    """Drop the interpreter state of a persistent tool made by `python_tool` (no-op otherwise)."""
    session = getattr(getattr(tool, "fn", None), "session", None)
    if session is not None:
        session.reset()
