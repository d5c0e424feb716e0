"""Tool definitions written into the system prompt, as the DeepSeek-V3.1 model card describes.

The official chat template ignores `tools=`; the model card ("ToolCall" section of
https://huggingface.co/deepseek-ai/DeepSeek-V3.1, README.md, Aug 2025) gives the layout:

    <｜begin▁of▁sentence｜>{system prompt}\\n\\n{tool_description}<｜User｜>{query}<｜Assistant｜></think>

where `tool_description` is a `## Tools` section with one `### NAME` / `Description:` /
`Parameters: {json.dumps(parameters)}` block per tool followed by the fixed IMPORTANT paragraph
below (quoted from the card, including its literal `{{additional_tool_calls}}`). The card's
later revision puts the blank line between the system prompt and the tool block; we join the
two exactly like the template joins system messages (a blank line, nothing when there is no
system prompt), so `render(msgs, tools)` equals the official template on
`msgs + [{"role": "system", "content": tools_system_prompt(tools)}]`.
Engines (vLLM, sglang, ollama) differ from the card in small details; we follow the card.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from agent_rl.chat_format.special_tokens import (
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_SEP,
)
from agent_rl.errors import DataError

TOOLS_HEADER = "## Tools\nYou have access to the following tools:\n"

TOOLS_INSTRUCTION = (
    "IMPORTANT: ALWAYS adhere to this exact format for tool use:\n"
    f"{TOOL_CALLS_BEGIN}{TOOL_CALL_BEGIN}tool_call_name{TOOL_SEP}tool_call_arguments"
    f"{TOOL_CALL_END}{{{{additional_tool_calls}}}}{TOOL_CALLS_END}\n"
    "\n"
    "Where:\n"
    "- `tool_call_name` must be an exact match to one of the available tools\n"
    "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n"
    "- For multiple tool calls, chain them directly without separators or spaces"
)


def _function_of(spec: Mapping[str, Any], index: int) -> Mapping[str, Any]:
    """Accept OpenAI specs (`{"type": "function", "function": {...}}`) and bare function dicts."""
    fn = spec.get("function", spec) if isinstance(spec, Mapping) else None
    if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
        raise DataError("tool spec needs a function with a string 'name'", key=f"tools[{index}]")
    return fn


def tools_system_prompt(tools: Sequence[Mapping[str, Any]]) -> str:
    """The `## Tools` block of the model card for these OpenAI-style tool specs."""
    parts = [TOOLS_HEADER]
    for i, spec in enumerate(tools):
        fn = _function_of(spec, i)
        params = fn.get("parameters", {"type": "object", "properties": {}})
        parts.append(
            f"\n### {fn['name']}\nDescription: {fn.get('description') or ''}\n\n"
            f"Parameters: {json.dumps(params)}\n"
        )
    parts.append("\n" + TOOLS_INSTRUCTION)
    return "".join(parts)


def tool_names(tools: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Names of the given tool specs (empty when there are none)."""
    return [str(_function_of(s, i)["name"]) for i, s in enumerate(tools or [])]
