"""A tool: a name, a description, a JSON schema for its arguments and a callable (sync or async).

`Tool` takes an explicit schema; `@tool` derives one from a typed function and its Google-style
docstring. Running a tool with error handling is `ToolSet`'s job (see `agent_rl.tools.toolset`); a Tool
stays callable as the plain function it wraps.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any, overload

import jsonschema
from agent_rl.tools.schema import coerce, function_schema
from jsonschema import Draft202012Validator

from agent_rl.errors import ConfigError

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Tool:
    """One callable tool with a validated JSON schema.

    Args:
        name: the function name the model calls (letters, digits, `_`, `-`, `.`; up to 64).
        description: what the tool does, shown to the model.
        parameters: a JSON schema of type object for the arguments.
        fn: the callable, sync or async, called with the arguments as keywords.
        timeout: seconds before the call becomes a `timeout` result (None: the toolset default).
        max_output_chars: truncation limit of this tool's output (None: the toolset default).
        param_types: Python annotations used to coerce JSON values (set by `@tool`).
        on_reset: called when an episode starts (`ToolSet.reset`): stateful tools (a Python
            session, a file system, a service) drop what the last episode left.
        on_close: called once when the owner is done (`ToolSet.close`): release processes,
            sandboxes, connections.
    """

    def __init__(
        self,
        name: str,
        description: str,
        parameters: dict[str, Any] | None,
        fn: Callable[..., Any],
        *,
        timeout: float | None = None,
        max_output_chars: int | None = None,
        param_types: dict[str, Any] | None = None,
        on_reset: Callable[[], Any] | None = None,
        on_close: Callable[[], Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ConfigError(
                f"invalid tool name {name!r}: use 1-64 letters, digits, '_', '-' or '.'",
                key="tool.name",
            )
        if not callable(fn):
            raise ConfigError(f"fn of tool {name!r} is not callable", key=f"tool {name}")
        parameters = {"type": "object", "properties": {}} if parameters is None else parameters
        if not isinstance(parameters, dict) or parameters.get("type", "object") != "object":
            raise ConfigError(
                f"parameters of tool {name!r} must be a JSON schema of type object",
                key=f"tool {name}.parameters",
            )
        try:
            Draft202012Validator.check_schema(parameters)
        except jsonschema.SchemaError as exc:
            raise ConfigError(
                f"invalid JSON schema for tool {name!r}: {exc.message}",
                key=f"tool {name}.parameters",
            ) from exc
        if timeout is not None and timeout <= 0:
            raise ConfigError(f"timeout of tool {name!r} must be > 0", key=f"tool {name}.timeout")
        self.name = name
        self.description = description or ""
        self.parameters = parameters
        self.fn = fn
        self.timeout = timeout
        self.max_output_chars = max_output_chars
        self.param_types = dict(param_types or {})
        self.on_reset = on_reset
        self.on_close = on_close
        self._validator = Draft202012Validator(parameters)
        target = fn if inspect.isroutine(fn) else type(fn).__call__
        self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(target)

    def spec(self) -> dict[str, Any]:
        """The OpenAI tool spec `{"type": "function", "function": {...}}`."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    def validation_error(self, arguments: Any) -> str | None:
        """A readable list of schema violations (with the JSON path of each), or None if valid."""
        errors = sorted(self._validator.iter_errors(arguments), key=lambda e: list(e.path))
        if not errors:
            return None
        lines = []
        for error in errors[:5]:
            where = error.json_path
            lines.append(f"at {where}: {error.message}")
        if len(errors) > 5:
            lines.append(f"... and {len(errors) - 5} more")
        return "; ".join(lines)

    def prepare_kwargs(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Coerce validated JSON values into the function's annotated types."""
        if not self.param_types:
            return dict(arguments)
        return {k: coerce(v, self.param_types.get(k, Any)) for k, v in arguments.items()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        schema = json.dumps(self.parameters.get("properties", {}))[:60]
        return f"Tool(name={self.name!r}, params={schema})"


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    max_output_chars: int | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    max_output_chars: int | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a `Tool` from a typed function: schema from the type hints, docs from the docstring.

    Supported hints: str, int, float, bool, list/tuple/set/dict (parametrised or not),
    Optional and unions, Literal, Enum, Annotated[T, "description"], dataclasses, TypedDicts and
    pydantic models. Parameters without a default are required; defaults appear in the schema.
    Usable bare (`@tool`) or with options (`@tool(timeout=5)`).

    Example:
        >>> @tool
        ... def add(a: int, b: int = 1) -> int:
        ...     '''Add two numbers.
        ...
        ...     Args:
        ...         a: the first number.
        ...         b: the second number.
        ...     '''
        ...     return a + b
        >>> add.spec()["function"]["parameters"]["required"]
        ['a']
    """

    def build(func: Callable[..., Any]) -> Tool:
        tool_name = name or getattr(func, "__name__", None) or type(func).__name__
        doc_description, parameters, param_types = function_schema(func, name=tool_name)
        built = Tool(
            tool_name,
            description if description is not None else doc_description,
            parameters,
            func,
            timeout=timeout,
            max_output_chars=max_output_chars,
            param_types=param_types,
        )
        built.__doc__ = func.__doc__
        built.__wrapped__ = func  # type: ignore[attr-defined]
        return built

    if fn is not None:
        return build(fn)
    return build
