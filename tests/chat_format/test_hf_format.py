"""The `hf` format: any tokenizer's own chat template, same interface and prefix check."""

from __future__ import annotations

import pytest

from agent_rl.chat_format import PrefixError, build_tiny_tokenizer, get_chat_format
from agent_rl.errors import ConfigError, DataError
from tests.chat_format.v31_conversations import (
    CALC,
    CASES,
    WEATHER,
    asst,
    random_conversations,
    sys,
    tool,
    user,
)

# A small ChatML template with hermes-style tool calls, written for this test.
CHATML = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' and not loop.first %}{{ raise_exception('system must come first') }}{% endif %}"
    "<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] %}{{ m['content'] }}{% endif %}"
    "{% if m['tool_calls'] %}{% for c in m['tool_calls'] %}"
    "<tool_call>{\"name\": \"{{ c['function']['name'] }}\", \"arguments\": {{ c['function']['arguments'] }}}</tool_call>"
    "{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def chatml():
    tok = build_tiny_tokenizer()
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = CHATML
    return get_chat_format("hf", tokenizer=tok)


EPISODE = [sys("S"), user("q"), asst("", [CALC]), tool("27"), asst("It is 27."), user("thanks")]


def test_render_and_stop_tokens(chatml):
    text = chatml.render(EPISODE[:2], add_generation_prompt=True)
    assert (
        text
        == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n"
    )
    im_end = chatml.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert im_end in chatml.stop_token_ids


def test_masks_cover_assistant_turns_through_stop_token(chatml):
    enc = chatml.encode(EPISODE[:5])
    trained = chatml.decode([t for t, m in zip(enc.input_ids, enc.loss_mask, strict=True) if m])
    assert (
        trained
        == '<tool_call>{"name": "calculator", "arguments": {"expression": "3 * (4 + 5)"}}</tool_call><|im_end|>It is 27.<|im_end|>'
    )
    assert chatml.decode(enc.input_ids) == chatml.render(EPISODE[:5])


def test_incremental_equals_whole_and_prefix_check(chatml):
    history = EPISODE[:2]
    ids = chatml.encode_prompt(history)
    for turn_end in (4, 6):
        asst_msg = EPISODE[len(history)]
        ids = ids + chatml.encode_completion(asst_msg)
        history = [*history, asst_msg]
        new = EPISODE[len(history) : turn_end]
        prev = list(ids)
        ids = ids + chatml.encode_observation(new, history)
        history = [*history, *new]
        assert chatml.check_prefix(prev, ids) is None
        assert chatml.check_prefix(ids, chatml.encode_prompt(history)) is None
    with pytest.raises(DataError, match="system must come first"):
        chatml.encode_observation([sys("late")], history)


def test_parse_hermes_and_plain(chatml):
    text = chatml.decode(chatml.encode_completion(EPISODE[2]))
    p = chatml.parse(text)
    assert p["content"] == "" and p["parse_errors"] == []
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in p["tool_calls"]] == [
        ("calculator", '{"expression": "3 * (4 + 5)"}')
    ]
    p = chatml.parse('<tool_call>{"name": "f", "arguments": {"a": 1}')
    assert p["tool_calls"][0]["function"]["arguments"] == '{"a": 1}' and p["parse_errors"]
    p = chatml.parse("<tool_call>not json</tool_call>")
    assert p["tool_calls"] == [] and "not valid JSON" in p["parse_errors"][0]
    p = chatml.parse("<think>hm</think>Plain answer<|im_end|>")
    assert (p["reasoning_content"], p["content"]) == ("hm", "Plain answer")


def test_hf_format_on_the_official_v31_template_agrees_with_deepseek_v31(fmt):
    hf = get_chat_format(
        "hf", tokenizer=fmt.tokenizer
    )  # the tiny tokenizer ships the official template
    convs = [
        m
        for _, m in CASES
        if all(x.get("role") != "assistant" or x.get("content") is not None for x in m)
    ]
    convs += random_conversations(30, seed=11)
    for messages in convs:
        if any(m["role"] == "assistant" and m.get("content") is None for m in messages):
            continue
        for agp in (False, True):
            assert hf.render(messages, add_generation_prompt=agp) == fmt.render(
                messages, add_generation_prompt=agp
            )
        assert hf.encode(messages) == fmt.encode(messages), messages
    history = [user("q"), asst("", [WEATHER])]
    assert hf.encode_observation([tool("20C")], history) == fmt.encode_observation(
        [tool("20C")], history
    )
    # The V3.1 template hoists system messages: appending one rewrites the history.
    with pytest.raises(PrefixError, match="rewrites the history"):
        hf.encode_observation([tool("20C"), sys("late"), user("x")], history)
    ids = hf.encode(history).input_ids
    assert "prefix violated" in hf.check_prefix(ids, hf.encode_prompt([*history, sys("late")]))


def test_hf_needs_a_template():
    tok = build_tiny_tokenizer()
    tok.chat_template = None
    with pytest.raises(ConfigError, match="chat_template"):
        get_chat_format("hf", tokenizer=tok)
    with pytest.raises(ConfigError, match="unknown chat format"):
        get_chat_format("nope")
