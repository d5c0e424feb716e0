"""A DeepSeek-V3.1 tool parser for verl's `ToolParser` registry, backed by `parse_v31`.

verl 0.9.1 ships parsers for hermes, gpt-oss, qwen3_coder, glm, seed, minimax, kimi,
deepseek_v4 and gemma4, none for V3.1. Importing this module registers `deepseek_v31`, so
verl's own `tool_agent` loop can run V3.1 models with `actor_rollout_ref.rollout.multi_turn.
format=deepseek_v31`. The parsing is the project's one parser: the same calls, the same
verbatim argument strings and the same tolerance for truncated output as in local rollouts.

In Ray workers the module must be imported before verl builds the parser: the agent-loop YAML
written by `agent-rl train --backend verl` lists `V31ToolAgentLoop` (verl's `ToolAgentLoop`
with this module imported) under the name `tool_agent_v31`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from verl.experimental.agent_loop.tool_agent_loop import ToolAgentLoop
from verl.experimental.agent_loop.tool_parser import FunctionCall, ToolParser

from agent_rl.chat_format.parser import parse_v31

#: The name in verl's registry (`rollout.multi_turn.format`).
PARSER_NAME = "deepseek_v31"


@ToolParser.register(PARSER_NAME)
class DeepSeekV31ToolParser(ToolParser):
    """V3.1 `<｜tool▁calls▁begin｜>...` blocks to verl `FunctionCall`s; content without reasoning.

    A completion from a thinking-mode prompt opens with reasoning closed by `</think>`; the
    reasoning is dropped from the content as verl's other parsers do. Calls the parser could
    not read completely (no tool name) are left out; their arguments are kept verbatim, so a
    tool reports bad JSON to the model itself.
    """

    async def extract_tool_calls(
        self, responses_ids: list[int], tools: list[Any] | None = None
    ) -> tuple[str, list[FunctionCall]]:
        text = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: self.tokenizer.decode(
                responses_ids, skip_special_tokens=False, clean_up_tokenization_spaces=False
            ),
        )
        return self.parse_text(text, tools)

    def parse_text(
        self, text: str, tools: list[Any] | None = None
    ) -> tuple[str, list[FunctionCall]]:
        parsed = parse_v31(text)  # reasoning, if any, ends at `</think>` and is split off
        calls = [
            FunctionCall(
                name=call["function"]["name"],
                arguments=call["function"]["arguments"],
                tool_call_id=call.get("id"),
            )
            for call in parsed.get("tool_calls") or []
            if call["function"]["name"]
        ]
        return parsed.get("content") or "", calls


class V31ToolAgentLoop(ToolAgentLoop):
    """verl's `ToolAgentLoop` made to work with the DeepSeek-V3.1 chat template.

    Listing it in the agent-loop YAML imports the V3.1 parser into verl's workers. It also
    works around a verl 0.9.1 mismatch: to render tool results, verl's Continuous Token builder
    puts a synthetic assistant turn with `"arguments": {}` (a dict) in front of them, and the
    V3.1 template (DeepSeek's own) concatenates arguments as a string, so rendering fails with
    "can only concatenate str (not dict)". The synthetic turn gets JSON-string arguments here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        builder = self.continuous_token_builder
        synthetic = builder._synthetic_assistant_for_tools

        def with_string_arguments(tool_messages: list[dict[str, Any]]) -> dict[str, Any]:
            message = synthetic(tool_messages)
            for call in message.get("tool_calls") or []:
                arguments = call["function"].get("arguments")
                if not isinstance(arguments, str):
                    call["function"]["arguments"] = json.dumps(arguments)
            return message

        builder._synthetic_assistant_for_tools = with_string_arguments
