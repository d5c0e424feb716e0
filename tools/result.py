"""What a tool call gives back, whatever happened: the model reads `content`, the env reads `error`.

A tool call never raises into the episode: an unknown tool, bad JSON, a schema violation, an
exception inside the tool and a timeout all become a `ToolResult` with `error` set to one of
`ERROR_KINDS`, so an env can penalise the mistake and the model can read what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ToolErrorKind = Literal["unknown_tool", "invalid_json", "invalid_arguments", "exception", "timeout"]
ERROR_KINDS: tuple[str, ...] = (
    "unknown_tool",
    "invalid_json",
    "invalid_arguments",
    "exception",
    "timeout",
)

DEFAULT_MAX_OUTPUT_CHARS = 16_000


def truncate_text(text: str, limit: int | None) -> tuple[str, int]:
    """Cut `text` to about `limit` characters, keeping its head and tail around a visible marker.

    Both ends are kept because tracebacks and test reports put what matters at the end.
    Returns the (possibly) shortened text and the number of characters removed.
    """
    if limit is None or limit < 0 or len(text) <= limit:
        return text, 0
    removed_guess = len(text) - limit
    marker = f"\n...[truncated {removed_guess} chars]...\n"
    budget = max(limit - len(marker), 0)
    head = (budget * 2 + 2) // 3
    tail = budget - head
    removed = len(text) - head - tail
    marker = f"\n...[truncated {removed} chars]...\n"
    return text[:head] + marker + (text[len(text) - tail :] if tail else ""), removed


@dataclass
class ToolResult:
    """The outcome of one tool call.

    Attributes:
        content: text for the model (the tool's output, or a readable error message).
        error: None on success, else one of `ERROR_KINDS`.
        name: the tool name the call asked for (may be unknown).
        tool_call_id: the id of the call this answers.
        duration_s: wall time of the tool itself (0 when it never ran).
        truncated_chars: how many characters of output were cut by truncation.
        value: the tool's raw return value on success (not sent to the model).
        infra_error: why the tool's own infrastructure failed (sandbox down, service
            unreachable), else None. Not the agent's fault: the env marks the step
            `info["infra_error"]` so the episode is dropped and counted, never scored 0.
    """

    content: str
    error: ToolErrorKind | None = None
    name: str | None = None
    tool_call_id: str | None = None
    duration_s: float = 0.0
    truncated_chars: int = 0
    value: Any = field(default=None, repr=False)
    infra_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def truncated(self) -> bool:
        return self.truncated_chars > 0

    def to_message(self, tool_call: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `{"role": "tool", ...}` message answering `tool_call` (or this result's own ids)."""
        call_id = self.tool_call_id
        name = self.name
        if tool_call is not None:
            call_id = tool_call.get("id", call_id)
            function = tool_call.get("function")
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                name = function["name"]
        message: dict[str, Any] = {"role": "tool", "content": self.content}
        if call_id is not None:
            message["tool_call_id"] = call_id
        if name is not None:
            message["name"] = name
        return message
