"""The shared tool-call parser: round trips and ugly model output (it must never raise)."""

from __future__ import annotations

import json
import random

import pytest

from agent_rl.chat_format import parse_v31
from agent_rl.chat_format.special_tokens import (
    EOS,
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_SEP,
)
from tests.chat_format.v31_conversations import CALC, MULTILINE, SEARCH, WEATHER, asst

B, E, CB, CE, SEP = TOOL_CALLS_BEGIN, TOOL_CALLS_END, TOOL_CALL_BEGIN, TOOL_CALL_END, TOOL_SEP


def calls_of(parsed):
    return [(c["function"]["name"], c["function"]["arguments"]) for c in parsed["tool_calls"]]


@pytest.mark.parametrize(
    "message",
    [
        asst("Plain answer 42."),
        asst("", [WEATHER]),
        asst("Let me check.", [WEATHER, SEARCH]),
        asst("", [MULTILINE]),
        asst("你好 ☀️", [CALC, WEATHER, SEARCH]),
    ],
)
@pytest.mark.parametrize("thinking", [False, True])
def test_round_trip(fmt, message, thinking):
    if thinking:
        message = {**message, "reasoning_content": "step 1\nstep 2 {not json}"}
    text = fmt.render_completion(message, thinking=thinking)
    assert text == fmt.decode(fmt.encode_completion(message, thinking=thinking))
    parsed = fmt.parse(text, thinking=thinking)
    assert parsed["parse_errors"] == []
    assert parsed["content"] == message["content"]
    assert parsed["reasoning_content"] == (message.get("reasoning_content") if thinking else None)
    assert calls_of(parsed) == [
        (c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls", [])
    ]
    for c in parsed["tool_calls"]:
        assert c["type"] == "function" and c["id"].startswith("call_")
    # Re-rendering the parsed message gives back the model's own text.
    assert fmt.render_completion(parsed, thinking=thinking) == text


def test_missing_eos_is_fine():
    p = parse_v31(f'{B}{CB}calc{SEP}{{"x": 1}}{CE}{E}')
    assert calls_of(p) == [("calc", '{"x": 1}')] and p["parse_errors"] == []


def test_nested_braces_and_unicode():
    args = json.dumps(
        {"a": {"b": {"c": [1, {"d": "}"}]}}, "s": "Zürich 你好 🙂"}, ensure_ascii=False
    )
    p = parse_v31(f"{B}{CB}f{SEP}{args}{CE}{E}{EOS}")
    assert calls_of(p) == [("f", args)] and p["parse_errors"] == []


def test_non_json_arguments_are_kept_and_reported():
    p = parse_v31(f"{B}{CB}calc{SEP}3 * (4 + 5){CE}{E}{EOS}")
    assert calls_of(p) == [("calc", "3 * (4 + 5)")]
    assert len(p["parse_errors"]) == 1 and "not valid JSON" in p["parse_errors"][0]
    assert "calc" in p["parse_errors"][0]


def test_non_object_arguments_reported():
    p = parse_v31(f"{B}{CB}calc{SEP}[1, 2]{CE}{E}")
    assert calls_of(p) == [("calc", "[1, 2]")]
    assert "must be a JSON object" in p["parse_errors"][0]


def test_trailing_text_after_json_arguments():
    p = parse_v31(f'{B}{CB}calc{SEP}{{"x": 1}} thanks{CE}{E}')
    assert calls_of(p) == [("calc", '{"x": 1}')]
    assert "after the JSON arguments" in p["parse_errors"][0]


@pytest.mark.parametrize(
    ("text", "n_calls", "needle"),
    [
        (f'{B}{CB}calc{SEP}{{"x": 1', 1, "not closed"),
        (f'{B}{CB}calc{SEP}{{"x": 1}}{CE}{CB}search{SEP}{{"q"', 2, "tool call 2 is not closed"),
        (f"{B}{CB}cal", 1, "missing"),
        (f"{B}", 0, "no complete call"),
        (f'{B}{CB}calc{SEP}{{"x": 1}}{CE}', 1, "was not closed with"),
        (f'{B}{CB}calc{SEP}{{"x": 1}}{CB}s{SEP}{{}}{CE}{E}', 2, "tool call 1 is not closed"),
    ],
)
def test_truncated_blocks(text, n_calls, needle):
    p = parse_v31(text)
    assert len(p["tool_calls"]) == n_calls
    assert any(needle in e for e in p["parse_errors"]), p["parse_errors"]


def test_text_after_block_is_ignored_and_reported():
    p = parse_v31(f'Sure.{B}{CB}calc{SEP}{{"x": 1}}{CE}{E}and more text{EOS}')
    assert p["content"] == "Sure." and calls_of(p) == [("calc", '{"x": 1}')]
    assert any("after the tool-call block" in e for e in p["parse_errors"])


def test_text_after_eos_is_reported():
    p = parse_v31(f"Answer{EOS}garbage")
    assert p["content"] == "Answer" and "after" in p["parse_errors"][0]


def test_unknown_tool_with_tools_given():
    tools = [{"type": "function", "function": {"name": "calc", "parameters": {}}}]
    p = parse_v31(f"{B}{CB}rm_rf{SEP}{{}}{CE}{E}", tools=tools)
    assert calls_of(p) == [("rm_rf", "{}")]
    assert "unknown tool 'rm_rf'" in p["parse_errors"][0] and "calc" in p["parse_errors"][0]


def test_unknown_structure_and_stray_markers():
    p = parse_v31(f"{CB}calc{SEP}{{}}{CE}")  # the outer begin is missing
    assert calls_of(p) == [("calc", "{}")] and p["parse_errors"]
    p = parse_v31(f"hello {SEP} world {CE}")
    assert p["tool_calls"] == [] and "stray" in p["parse_errors"][0]
    p = parse_v31(f"{B} junk {CB}a{SEP}{{}}{CE} more junk {E}")
    assert calls_of(p) == [("a", "{}")] and len(p["parse_errors"]) == 2


def test_reasoning_split():
    p = parse_v31("I think 4.</think>The answer is 4.", thinking=True)
    assert p["reasoning_content"] == "I think 4." and p["content"] == "The answer is 4."
    p = parse_v31("still thinking and cut", thinking=True)
    assert p["reasoning_content"] == "still thinking and cut" and p["content"] == ""
    assert "not closed" in p["parse_errors"][0]
    p = parse_v31("<think>r</think>a")
    assert (p["reasoning_content"], p["content"], p["parse_errors"]) == ("r", "a", [])
    p = parse_v31("plain")
    assert (p["reasoning_content"], p["content"]) == (None, "plain")


def test_never_raises_on_random_garbage():
    pieces = [
        B,
        E,
        CB,
        CE,
        SEP,
        EOS,
        "</think>",
        "<think>",
        "{",
        "}",
        '"',
        "calc",
        "\n",
        "你",
        "[",
        "x",
        "<｜User｜>",
    ]
    rng = random.Random(0)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        for thinking in (False, True):
            p = parse_v31(text, thinking=thinking)
            assert set(p) == {"role", "content", "reasoning_content", "tool_calls", "parse_errors"}
            assert isinstance(p["content"], str)
            for c in p["tool_calls"]:
                assert isinstance(c["function"]["name"], str)
                assert isinstance(c["function"]["arguments"], str)
    assert parse_v31(None)["parse_errors"]  # type: ignore[arg-type]
