"""THE tool-call parser of the project: DeepSeek-V3.1 model output to an assistant message.

Model output is untrusted: truncated blocks, prose around the block, multi-line or non-JSON
arguments, unknown tools, a missing end token. `parse_v31` never raises; it returns the best
message it can plus `parse_errors`, readable sentences an env can show the model. Arguments
are kept verbatim (the string the model wrote), so re-rendering the message gives back the
model's own text and the tool layer reports bad JSON to the model itself. Scanning uses plain
`str.find` on the special-token strings, so newlines inside arguments are never a problem
(vLLM's regex without DOTALL misses them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from agent_rl.chat_format.special_tokens import (
    ASSISTANT,
    BOS,
    EOS,
    THINK_BEGIN,
    THINK_END,
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_OUTPUT_BEGIN,
    TOOL_SEP,
    USER,
)
from agent_rl.chat_format.tools_prompt import tool_names

_SHOW = 80  # characters of offending text quoted in an error


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= _SHOW else text[:_SHOW] + "...")


def call_id(index: int, name: str, arguments: str) -> str:
    """A deterministic id for a parsed call (V3.1 has no ids; results match by position)."""
    digest = hashlib.sha1(f"{index}\x00{name}\x00{arguments}".encode()).hexdigest()[:12]
    return f"call_{index}_{digest}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not standard JSON (write a number or a string)")


def _loads(text: str) -> Any:
    """Strict JSON: NaN/Infinity are errors, not floats that later serialise as invalid JSON."""
    return json.loads(text, parse_constant=_reject_constant)


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), "a number")


def _check_arguments(raw: str, n: int, name: str, errors: list[str]) -> str:
    """Validate one call's arguments; return the string to keep (verbatim unless empty)."""
    text = raw.strip()
    if not text:
        errors.append(f"tool call {n} ({name}): empty arguments; write a JSON object, e.g. {{}}")
        return "{}"
    try:
        value = _loads(text)
    except json.JSONDecodeError as exc:
        try:
            value, end = json.JSONDecoder(parse_constant=_reject_constant).raw_decode(text)
        except (ValueError, RecursionError):
            value = None
        if not isinstance(value, dict):  # only a leading JSON object is worth salvaging
            errors.append(
                f"tool call {n} ({name}): arguments are not valid JSON ({exc.msg} at "
                f"line {exc.lineno} column {exc.colno}): {_quote(text)}"
            )
            return raw
        errors.append(
            f"tool call {n} ({name}): text after the JSON arguments was ignored: "
            f"{_quote(text[end:])}"
        )
        return text[:end]
    except RecursionError:
        errors.append(f"tool call {n} ({name}): arguments are nested too deeply to read")
        return raw
    except ValueError as exc:  # NaN/Infinity, integers over Python's digit limit
        errors.append(f"tool call {n} ({name}): arguments are not valid JSON ({exc})")
        return raw
    if not isinstance(value, dict):
        errors.append(
            f"tool call {n} ({name}): arguments must be a JSON object, got {_kind(value)}"
        )
    return raw


def _parse_calls(block: str, errors: list[str], known: set[str] | None) -> list[dict[str, Any]]:
    """Calls inside a tool-call block (the text after `<｜tool▁calls▁begin｜>`)."""
    calls: list[dict[str, Any]] = []
    pos = 0
    # Each marker's next position is searched for only once it lies behind the cursor, so the
    # scan stays linear however many calls are left unclosed.
    nxt_end = -2
    while True:
        start = block.find(TOOL_CALL_BEGIN, pos)
        if start < 0:
            if block[pos:].strip():
                errors.append(f"text inside the tool-call block was ignored: {_quote(block[pos:])}")
            break
        if block[pos:start].strip():
            errors.append(f"text between tool calls was ignored: {_quote(block[pos:start])}")
        body_start = start + len(TOOL_CALL_BEGIN)
        if nxt_end != -1 and nxt_end < body_start:
            nxt_end = block.find(TOOL_CALL_END, body_start)
        end = nxt_end
        n = len(calls) + 1
        truncated = end < 0
        # A call never spans into the next one: a missing end token stops at the next begin.
        nxt = block.find(TOOL_CALL_BEGIN, body_start, end if end >= 0 else len(block))
        if truncated or (0 <= nxt < end):
            end = nxt if nxt >= 0 else len(block)
            errors.append(f"tool call {n} is not closed with {TOOL_CALL_END} (truncated output?)")
            stop = end
        else:
            stop = end + len(TOOL_CALL_END)
        body = block[body_start:end]
        sep = body.find(TOOL_SEP)
        if sep < 0:
            name, raw_args = body.strip(), ""
            errors.append(
                f"tool call {n} ({name or 'no name'}): missing {TOOL_SEP} between the tool name "
                "and its JSON arguments"
            )
        else:
            name, raw_args = body[:sep].strip(), body[sep + len(TOOL_SEP) :]
        if not name:
            errors.append(f"tool call {n}: the tool name is empty")
        elif known is not None and name not in known:
            errors.append(
                f"tool call {n}: unknown tool {name!r}; available tools: "
                f"{', '.join(sorted(known)) or 'none'}"
            )
        arguments = _check_arguments(raw_args, n, name or "no name", errors)
        calls.append(
            {
                "id": call_id(n - 1, name, arguments),
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        )
        pos = stop
    return calls


def parse_v31(
    text: str,
    thinking: bool = False,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An assistant message from the text the model produced after the generation prompt.

    `thinking=True` means the prompt ended with `<think>`, so the text starts with reasoning
    that runs up to `</think>`. Returns `role`, `content`, `reasoning_content` (None if none),
    `tool_calls` (a list, maybe empty) and `parse_errors` (a list of readable strings).
    """
    errors: list[str] = []
    try:
        return _parse(text, thinking, tools, errors)
    except Exception as exc:  # never raise on model output; say what happened instead
        errors.append(f"could not parse the output ({type(exc).__name__}: {exc})")
        return {
            "role": "assistant",
            "content": text if isinstance(text, str) else str(text),
            "reasoning_content": None,
            "tool_calls": [],
            "parse_errors": errors,
        }


def _parse(
    text: str,
    thinking: bool,
    tools: Sequence[Mapping[str, Any]] | None,
    errors: list[str],
) -> dict[str, Any]:
    if not isinstance(text, str):
        errors.append(f"expected text, got {type(text).__name__}")
        text = "" if text is None else str(text)
    # The turn ends at the first end-of-sentence; anything after it is not part of the turn.
    eos = text.find(EOS)
    if eos >= 0:
        if text[eos + len(EOS) :].strip():
            errors.append(f"text after {EOS} was ignored: {_quote(text[eos + len(EOS) :])}")
        text = text[:eos]
    for marker in (USER, ASSISTANT, TOOL_OUTPUT_BEGIN, BOS):
        cut = text.find(marker)
        if cut >= 0:
            errors.append(f"the turn ran into a {marker} marker; the rest was ignored")
            text = text[:cut]

    reasoning: str | None = None
    split = text.find(THINK_END)
    if split >= 0:
        reasoning, text = text[:split], text[split + len(THINK_END) :]
        if reasoning.startswith(THINK_BEGIN):
            reasoning = reasoning[len(THINK_BEGIN) :]
    elif thinking:
        reasoning, text = text, ""
        if reasoning.startswith(THINK_BEGIN):
            reasoning = reasoning[len(THINK_BEGIN) :]
        errors.append(f"the reasoning was not closed with {THINK_END} (truncated output?)")
    elif text.startswith(THINK_BEGIN):
        reasoning, text = text[len(THINK_BEGIN) :], ""
        errors.append(f"the reasoning was not closed with {THINK_END} (truncated output?)")

    known = set(tool_names(tools)) if tools is not None else None
    calls: list[dict[str, Any]] = []
    begin = text.find(TOOL_CALLS_BEGIN)
    if begin < 0:
        lone = text.find(TOOL_CALL_BEGIN)
        if lone >= 0:
            errors.append(f"tool calls must start with {TOOL_CALLS_BEGIN}; read them anyway")
            begin, skip = lone, 0
        else:
            skip = 0
    else:
        skip = len(TOOL_CALLS_BEGIN)
    content = text
    if begin >= 0:
        content, block = text[:begin], text[begin + skip :]
        close = block.find(TOOL_CALLS_END)
        if close < 0:
            errors.append(f"the tool-call block was not closed with {TOOL_CALLS_END}")
        else:
            after = block[close + len(TOOL_CALLS_END) :]
            if after.strip():
                errors.append(f"text after the tool-call block was ignored: {_quote(after)}")
            block = block[:close]
        calls = _parse_calls(block, errors, known)
        if not calls:
            errors.append("the tool-call block holds no complete call")
    else:
        stray = [t for t in (TOOL_CALLS_END, TOOL_CALL_END, TOOL_SEP) if t in content]
        if stray:
            errors.append(f"stray tool-call markers without a block: {', '.join(stray)}")

    return {
        "role": "assistant",
        "content": content,
        "reasoning_content": reasoning,
        "tool_calls": calls,
        "parse_errors": errors,
    }
