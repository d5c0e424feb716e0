"""The V3.1 parser in verl's ToolParser registry reads what the project's renderer writes."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_rl.chat_format import get_chat_format, load_tokenizer


@pytest.fixture(scope="module")
def parser_and_format():
    from verl.experimental.agent_loop.tool_parser import ToolParser

    import agent_rl.train.verl.tool_parser as mod

    tok = load_tokenizer("tiny")
    parser = ToolParser.get_tool_parser(mod.PARSER_NAME, tok)
    assert isinstance(parser, mod.DeepSeekV31ToolParser)
    return parser, get_chat_format("deepseek_v31", tokenizer=tok)


def _call(name: str, args: str) -> dict:
    return {"id": "x", "type": "function", "function": {"name": name, "arguments": args}}


def _extract(parser, ids):
    return asyncio.run(parser.extract_tool_calls(ids))


def test_calls_and_content_round_trip(parser_and_format):
    parser, cf = parser_and_format
    args = ['{"expression": "2 + 3"}', '{"q": "multi\\nline", "k": [1, 2]}']
    message = {
        "role": "assistant",
        "content": "Let me compute.",
        "tool_calls": [_call("calculator", args[0]), _call("search", args[1])],
    }
    content, calls = _extract(parser, cf.encode_completion(message))
    assert content == "Let me compute."
    assert [(c.name, c.arguments) for c in calls] == [("calculator", args[0]), ("search", args[1])]
    assert all(c.tool_call_id for c in calls)


def test_reasoning_is_not_content(parser_and_format):
    parser, cf = parser_and_format
    message = {"role": "assistant", "content": "4", "reasoning_content": "2+2 is 4"}
    content, calls = _extract(parser, cf.encode_completion(message, thinking=True))
    assert (content, calls) == ("4", [])


def test_plain_answer_and_bad_json_kept_verbatim(parser_and_format):
    parser, cf = parser_and_format
    content, calls = _extract(parser, cf.encode_completion({"role": "assistant", "content": "42"}))
    assert (content, calls) == ("42", [])
    bad = "{'not': json}"
    _, calls = _extract(
        parser,
        cf.encode_completion({"role": "assistant", "content": "", "tool_calls": [_call("f", bad)]}),
    )
    assert [(c.name, c.arguments) for c in calls] == [("f", bad)]  # the tool tells the model


def test_truncated_output_keeps_complete_calls(parser_and_format):
    parser, cf = parser_and_format
    message = {
        "role": "assistant",
        "content": "",
        "tool_calls": [_call("a", "{}"), _call("b", '{"x": 1}')],
    }
    ids = cf.encode_completion(message)
    text = cf.tokenizer.decode(ids, skip_special_tokens=False)
    cut = text.index('{"x"')
    _, calls = parser.parse_text(text[:cut])
    assert [c.name for c in calls][:1] == ["a"]
    assert json.loads(calls[0].arguments) == {}
