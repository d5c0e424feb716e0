"""What an agent can call: schema-validated tools, HTTP tools, and sandboxes for untrusted code.

Public API:
    Tool, tool, ToolSet, ToolResult, truncate_text, UnknownToolError   (tool core)
    decode_arguments                                                   (tool core: never raises)
    http_tool, openapi_tools, HTTPToolError                             (HTTP tools, httpx)
    Sandbox, SandboxResult, Limits, PythonSession, python_tool, get_sandbox,
    BwrapSandbox, DockerSandbox                                         (tools.sandbox, lazy)
"""

from __future__ import annotations

from agent_rl.tools.result import ERROR_KINDS, ToolErrorKind, ToolResult, truncate_text
from agent_rl.tools.tool import Tool, tool
from agent_rl.tools.toolset import ToolSet, UnknownToolError, decode_arguments, format_output

from agent_rl.lazy import lazy_exports

_LAZY = {
    "http_tool": "agent_rl.tools.http",
    "openapi_tools": "agent_rl.tools.http",
    "HTTPToolError": "agent_rl.tools.http",
    "Sandbox": "agent_rl.tools.sandbox",
    "SandboxResult": "agent_rl.tools.sandbox",
    "PythonSession": "agent_rl.tools.sandbox",
    "get_sandbox": "agent_rl.tools.sandbox",
    "BwrapSandbox": "agent_rl.tools.sandbox",
    "DockerSandbox": "agent_rl.tools.sandbox",
    "Limits": "agent_rl.tools.sandbox",
    "python_tool": "agent_rl.tools.sandbox",
}

__all__ = [
    "ERROR_KINDS",
    "Tool",
    "ToolErrorKind",
    "ToolResult",
    "ToolSet",
    "UnknownToolError",
    "decode_arguments",
    "format_output",
    "tool",
    "truncate_text",
    *_LAZY,
]


__getattr__ = lazy_exports(__name__, _LAZY)
