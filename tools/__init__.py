"""What an agent can call: schema-validated tools, HTTP tools, and sandboxes for untrusted code.

Public API:
    Tool, tool, ToolSet, ToolResult, truncate_text, UnknownToolError   (tool core)
    http_tool, openapi_tools, HTTPToolError                             (HTTP tools, httpx)
    Sandbox, SandboxResult, Limits, PythonSession, python_tool, get_sandbox,
    BwrapSandbox, DockerSandbox                                         (tools.sandbox, lazy)
"""

from __future__ import annotations

import importlib
from typing import Any

from tools.result import ERROR_KINDS, ToolErrorKind, ToolResult, truncate_text
from tools.tool import Tool, tool
from tools.toolset import ToolSet, UnknownToolError, format_output

_LAZY = {
    "http_tool": "tools.http",
    "openapi_tools": "tools.http",
    "HTTPToolError": "tools.http",
    "Sandbox": "tools.sandbox",
    "SandboxResult": "tools.sandbox",
    "PythonSession": "tools.sandbox",
    "get_sandbox": "tools.sandbox",
    "BwrapSandbox": "tools.sandbox",
    "DockerSandbox": "tools.sandbox",
    "Limits": "tools.sandbox",
    "python_tool": "tools.sandbox",
}

__all__ = [
    "ERROR_KINDS",
    "Tool",
    "ToolErrorKind",
    "ToolResult",
    "ToolSet",
    "UnknownToolError",
    "format_output",
    "tool",
    "truncate_text",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
