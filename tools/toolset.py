"""A group of tools that turns OpenAI tool calls into `ToolResult`s and never raises on bad calls.

Every way a call can go wrong (unknown name, non-JSON arguments, schema violation, exception in
the tool, timeout) becomes a result with `error` set, so one bad call never ends an episode.
Sync tools run in a daemon thread: a hung sync tool cannot block the event loop nor keep the
interpreter alive at exit (it keeps its thread until it returns; use a sandbox for code that
must be killed).
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import difflib
import enum
import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from agent_rl.tools.result import DEFAULT_MAX_OUTPUT_CHARS, ToolResult, truncate_text
from agent_rl.tools.tool import Tool, tool

from agent_rl.aio import run_sync
from agent_rl.errors import AgentRLError, ConfigError
from agent_rl.jsonl import reject_constant


class UnknownToolError(AgentRLError, KeyError):
    """`ToolSet.get` of a name that is not in the set; the message lists close matches."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _json_fallback(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def format_output(value: Any) -> str:
    """The text a model sees for a tool's return value: strings as is, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return json.dumps(value, ensure_ascii=False, default=_json_fallback)
    except (TypeError, ValueError):
        return str(value)


MAX_ARGUMENT_DEPTH = 100
"""Nesting of containers allowed in tool arguments (deeper would overflow the recursion of
the JSON decoder, the schema validator or a tool)."""
MAX_INT_DIGITS = 4300
"""CPython's limit for int <-> str conversion: a bigger int could be neither shown nor echoed."""


def _decode_arguments(raw: str) -> Any:
    """`json.loads` that accepts standard JSON only (no NaN/Infinity, no >4300-digit ints).

    Raises ValueError (JSONDecodeError included) or RecursionError for input it refuses.
    """
    return json.loads(raw, parse_constant=reject_constant, parse_int=int)


def _decode_text(raw: str) -> tuple[Any, str | None]:
    """`_decode_arguments` that says why instead of raising: `(value, None)` or
    `(None, reason)` (the decoder's message, cut to 300 characters)."""
    try:
        return _decode_arguments(raw), None
    except (ValueError, RecursionError, MemoryError) as exc:
        reason, _ = truncate_text(str(exc) or type(exc).__name__, 300)
        return None, reason


def _argument_problem(value: Any) -> str | None:
    """Why decoded arguments cannot go on (too deep, a huge int, a non-finite float), or None.

    Iterative, so a value nested 100,000 deep costs its size, not the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth >= MAX_ARGUMENT_DEPTH:
                return f"nested more than {MAX_ARGUMENT_DEPTH} levels deep"
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if item.bit_length() > MAX_INT_DIGITS * 3.33:  # 3.32 bits per decimal digit
                return f"an integer has more than {MAX_INT_DIGITS} digits"
        elif isinstance(item, float) and not math.isfinite(item):
            return "a number is NaN or infinite (not valid JSON)"
    return None


def decode_arguments(raw: Any) -> tuple[Any, str | None]:
    """A model's tool-call arguments, decoded and checked without ever raising.

    `raw` is the arguments' JSON text, or a value a parser already decoded (only checked).
    Returns `(value, None)`, or `(None, why)` when the text is not standard JSON (NaN,
    Infinity, an integer of more than `MAX_INT_DIGITS` digits, nesting too deep for the
    decoder) or the value is one `ToolSet` refuses (nested more than `MAX_ARGUMENT_DEPTH`
    levels, a huge integer, a non-finite float). Callers treat `why` as they treat a call
    whose arguments are not JSON: the model's mistake, never an error of the env. Whether
    the value is an object is left to the caller.
    """
    value = raw
    if isinstance(raw, str):
        value, reason = _decode_text(raw)
        if reason is not None:
            return None, f"not valid JSON ({reason})"
    problem = _argument_problem(value)
    return (None, problem) if problem is not None else (value, None)


class _Prepared:
    __slots__ = ("call_id", "kwargs", "tool")

    def __init__(self, tool: Tool, kwargs: dict[str, Any], call_id: str | None) -> None:
        self.tool, self.kwargs, self.call_id = tool, kwargs, call_id


class ToolSet:
    """Tools by name, with the shared defaults for timeout and output size.

    Args:
        tools: `Tool`s, or plain typed functions (wrapped with `@tool`).
        max_output_chars: default truncation limit of tool outputs (None: no limit).
        default_timeout: seconds for tools that set no timeout of their own (None: no limit).
    """

    def __init__(
        self,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        *,
        max_output_chars: int | None = DEFAULT_MAX_OUTPUT_CHARS,
        default_timeout: float | None = None,
        on_reset: Callable[[], Any] | None = None,
        on_close: Callable[[], Any] | None = None,
    ) -> None:
        self.max_output_chars = max_output_chars
        self.default_timeout = default_timeout
        self.on_reset = on_reset
        self.on_close = on_close
        self._tools: dict[str, Tool] = {}
        for item in tools:
            self.add(item)

    # ----------------------------------------------------------------- lifecycle
    def reset(self) -> None:
        """Start of an episode: every stateful tool (and the set's own hook) drops its state.

        The env calls this from `reset`, so no env reaches into a tool's internals.
        """
        for item in self._tools.values():
            if item.on_reset is not None:
                item.on_reset()
        if self.on_reset is not None:
            self.on_reset()

    def close(self) -> None:
        """The owner is done: release every tool's resources (each hook runs once per call,
        and one failing hook does not keep the others from running)."""
        errors: list[BaseException] = []
        hooks = [t.on_close for t in self._tools.values()] + [self.on_close]
        for hook in hooks:
            if hook is None:
                continue
            try:
                hook()
            except Exception as exc:  # close everything, then report the first failure
                errors.append(exc)
        if errors:
            raise errors[0]

    def add(self, item: Tool | Callable[..., Any]) -> Tool:
        """Add a tool (or a typed function); a duplicate name is a ConfigError."""
        built = item if isinstance(item, Tool) else tool(item)
        if built.name in self._tools:
            raise ConfigError(f"duplicate tool name {built.name!r}", key=f"tool {built.name}")
        self._tools[built.name] = built
        return built

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __add__(self, other: ToolSet) -> ToolSet:
        hooks = [h for h in (self.on_reset, other.on_reset) if h is not None]
        closers = [h for h in (self.on_close, other.on_close) if h is not None]
        return ToolSet(
            [*self, *other],
            max_output_chars=self.max_output_chars,
            default_timeout=self.default_timeout,
            on_reset=(lambda: [h() for h in hooks]) if hooks else None,
            on_close=(lambda: [h() for h in closers]) if closers else None,
        )

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[dict[str, Any]]:
        """OpenAI tool specs, in insertion order, for `info["tools"]`."""
        return [t.spec() for t in self._tools.values()]

    def get(self, name: str) -> Tool:
        """The tool called `name`; raises UnknownToolError naming close matches."""
        try:
            return self._tools[name]
        except KeyError:
            raise UnknownToolError(self._unknown_message(name)) from None

    def _unknown_message(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        available = ", ".join(self.names) or "(none)"
        return f"unknown tool {name!r}.{hint} Available tools: {available}."

    # -- calling ---------------------------------------------------------------------------

    def _prepare(self, tool_call: dict[str, Any]) -> _Prepared | ToolResult:
        call_id = tool_call.get("id") if isinstance(tool_call, dict) else None
        function = tool_call.get("function") if isinstance(tool_call, dict) else None
        if not isinstance(function, dict):
            function = tool_call if isinstance(tool_call, dict) and "name" in tool_call else {}
        name = function.get("name")
        if not isinstance(name, str) or not name:
            return ToolResult(
                content="Error: the tool call has no function name.",
                error="unknown_tool",
                tool_call_id=call_id,
            )
        if name not in self._tools:
            return ToolResult(
                content=f"Error: {self._unknown_message(name)}",
                error="unknown_tool",
                name=name,
                tool_call_id=call_id,
            )
        found = self._tools[name]
        raw = function.get("arguments")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            arguments: Any = {}
        elif isinstance(raw, str):
            arguments, reason = _decode_text(raw)
            if reason is not None:
                return ToolResult(
                    content=(
                        f"Error: the arguments of tool {name!r} are not valid JSON ({reason}). "
                        "Send a JSON object."
                    ),
                    error="invalid_json",
                    name=name,
                    tool_call_id=call_id,
                )
        else:
            arguments = raw
        if not isinstance(arguments, dict):
            return ToolResult(
                content=(
                    f"Error: invalid arguments for tool {name!r}: expected a JSON object, "
                    f"got {type(arguments).__name__}."
                ),
                error="invalid_arguments",
                name=name,
                tool_call_id=call_id,
            )
        # Whatever the model sent, the failure is a result it can read: nothing raises.
        problem = _argument_problem(arguments)
        if problem is None:
            try:
                problem = found.validation_error(arguments)
                if problem is None:
                    kwargs = found.prepare_kwargs(arguments)
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
        if problem is not None:
            problem, _ = truncate_text(problem, 2000)
            schema = json.dumps(found.parameters, ensure_ascii=False)
            schema, _ = truncate_text(schema, 2000)
            return ToolResult(
                content=(
                    f"Error: invalid arguments for tool {name!r}: {problem}. "
                    f"The parameters schema is {schema}"
                ),
                error="invalid_arguments",
                name=name,
                tool_call_id=call_id,
            )
        return _Prepared(found, kwargs, call_id)

    def _timeout_of(self, found: Tool) -> float | None:
        return found.timeout if found.timeout is not None else self.default_timeout

    def _finish(self, prep: _Prepared, value: Any, duration: float) -> ToolResult:
        if isinstance(value, ToolResult):
            result = value
            result.name = result.name or prep.tool.name
            result.tool_call_id = result.tool_call_id or prep.call_id
            result.duration_s = duration
        else:
            result = ToolResult(
                content=format_output(value),
                name=prep.tool.name,
                tool_call_id=prep.call_id,
                duration_s=duration,
                value=value,
            )
        limit = prep.tool.max_output_chars
        if limit is None:
            limit = self.max_output_chars
        result.content, cut = truncate_text(result.content, limit)
        result.truncated_chars += cut
        return result

    def _failed(self, prep: _Prepared, exc: BaseException | None, duration: float) -> ToolResult:
        name = prep.tool.name
        if exc is None:
            timeout = self._timeout_of(prep.tool)
            return ToolResult(
                content=f"Error: tool {name!r} timed out after {timeout:g} s.",
                error="timeout",
                name=name,
                tool_call_id=prep.call_id,
                duration_s=duration,
            )
        message = str(exc)
        message, _ = truncate_text(message, 2000)
        return ToolResult(
            content=f"Error: tool {name!r} raised {type(exc).__name__}: {message}",
            error="exception",
            name=name,
            tool_call_id=prep.call_id,
            duration_s=duration,
        )

    async def acall(self, tool_call: dict[str, Any]) -> ToolResult:
        """Run one OpenAI tool call; every failure comes back as a ToolResult with `error`."""
        prep = self._prepare(tool_call)
        if isinstance(prep, ToolResult):
            return prep
        timeout = self._timeout_of(prep.tool)
        start = time.perf_counter()
        if prep.tool.is_async:
            try:
                task = asyncio.ensure_future(prep.tool.fn(**prep.kwargs))
            except Exception as exc:
                return self._failed(prep, exc, time.perf_counter() - start)
        else:
            task = _start_in_thread(prep.tool.fn, prep.kwargs, prep.tool.name)
        try:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        duration = time.perf_counter() - start
        if not done:
            task.cancel()
            return self._failed(prep, None, duration)
        exc = task.exception()
        if exc is not None:
            if not isinstance(exc, Exception):
                raise exc
            return self._failed(prep, exc, duration)
        return self._finish(prep, task.result(), duration)

    async def acall_many(self, tool_calls: Iterable[dict[str, Any]]) -> list[ToolResult]:
        """Run several calls (a parallel tool-call turn) concurrently, results in call order."""
        return list(await asyncio.gather(*(self.acall(c) for c in tool_calls)))

    def call(self, tool_call: dict[str, Any]) -> ToolResult:
        """Sync `acall`; safe to use from inside a running event loop (it then uses a thread)."""
        prep = self._prepare(tool_call)
        if isinstance(prep, ToolResult):
            return prep
        if prep.tool.is_async:
            return run_sync(self.acall(tool_call))
        timeout = self._timeout_of(prep.tool)
        start = time.perf_counter()
        if timeout is None:
            try:
                value = prep.tool.fn(**prep.kwargs)
            except Exception as exc:
                return self._failed(prep, exc, time.perf_counter() - start)
            return self._finish(prep, value, time.perf_counter() - start)
        box: dict[str, Any] = {}
        finished = threading.Event()
        ctx = contextvars.copy_context()

        def target() -> None:
            try:
                box["value"] = ctx.run(prep.tool.fn, **prep.kwargs)
            except BaseException as exc:
                box["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=target, daemon=True, name=f"tool-{prep.tool.name}").start()
        if not finished.wait(timeout):
            return self._failed(prep, None, time.perf_counter() - start)
        duration = time.perf_counter() - start
        if "error" in box:
            if not isinstance(box["error"], Exception):
                raise box["error"]
            return self._failed(prep, box["error"], duration)
        return self._finish(prep, box.get("value"), duration)

    def __repr__(self) -> str:
        return f"ToolSet({self.names})"


def _start_in_thread(fn: Callable[..., Any], kwargs: dict[str, Any], name: str) -> asyncio.Future:
    """Run a sync callable in a daemon thread and expose it as a future of the running loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()
    ctx = contextvars.copy_context()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def target() -> None:
        value, error = None, None
        try:
            value = ctx.run(fn, **kwargs)
        except BaseException as exc:
            error = exc
        try:
            loop.call_soon_threadsafe(settle, value, error)
        except RuntimeError:  # the loop closed while the tool ran (it had timed out)
            pass

    threading.Thread(target=target, daemon=True, name=f"tool-{name}").start()
    return future


