"""`render` against the official DeepSeek-V3.1 template, rendered with jinja2."""

from __future__ import annotations

import json

import pytest

from agent_rl.chat_format import tools_system_prompt
from agent_rl.chat_format.special_tokens import EOS, THINK_END
from tests.chat_format.v31_conversations import CASES, random_conversations, sys, user

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "城市"}},
                "required": ["city"],
            },
        },
    },
    {"type": "function", "function": {"name": "noop", "description": "", "parameters": {}}},
]


def thinking_target_index(messages):
    """Independent restatement of when the renderer writes a thinking target."""
    idx = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if not idx:
        return None
    t = idx[-1]
    if any(x["role"] == "user" for x in messages[t:]):
        return None
    m = messages[t]
    reasoning = m.get("reasoning_content") or (
        m["content"].split(THINK_END, 1)[0].removeprefix("<think>")
        if THINK_END in (m["content"] or "")
        else None
    )
    prev = [x for x in messages[:t] if x["role"] != "system"]
    if not reasoning or not prev or prev[-1]["role"] != "user":
        return None
    return t


def expected(official, messages, thinking, agp):
    """What `render` must give, built only from the official template."""
    systems = [m for m in messages if m["role"] == "system"]
    rest = [m for m in messages if m["role"] != "system"]
    msgs = systems + rest  # the template hoists system messages, so this changes nothing
    t = thinking_target_index(msgs) if thinking else None
    if t is None:
        return official(msgs, add_generation_prompt=agp, thinking=thinking)
    target = msgs[t]
    content = target["content"] or ""
    reasoning = target.get("reasoning_content")
    if THINK_END in content:
        before, content = content.split(THINK_END, 1)
        reasoning = reasoning if reasoning is not None else before.removeprefix("<think>")
    prompt = official(msgs[:t], add_generation_prompt=True, thinking=True)  # ends with <think>
    plain = {k: v for k, v in target.items() if k not in ("reasoning_content", "prefix")}
    plain["content"] = content
    head = official(msgs[:t], add_generation_prompt=True, thinking=False)
    with_turn = official([*msgs[:t], plain], thinking=False)
    body = with_turn[len(head) :]
    full = official(msgs, add_generation_prompt=agp, thinking=thinking)
    tail = full[len(official(msgs[: t + 1], thinking=thinking)) :]
    return prompt + reasoning + THINK_END + body + tail


@pytest.mark.parametrize("thinking", [False, True])
@pytest.mark.parametrize("agp", [False, True])
@pytest.mark.parametrize(("name", "messages"), CASES, ids=[c[0] for c in CASES])
def test_matches_official_on_named_conversations(fmt, official, name, messages, thinking, agp):
    got = fmt.render(messages, thinking=thinking, add_generation_prompt=agp)
    assert got == expected(official, messages, thinking, agp)


@pytest.mark.parametrize("thinking", [False, True])
def test_matches_official_on_random_conversations(fmt, official, thinking):
    for i, messages in enumerate(random_conversations(300, seed=7)):
        for agp in (False, True):
            got = fmt.render(messages, thinking=thinking, add_generation_prompt=agp)
            assert got == expected(official, messages, thinking, agp), (i, messages)


def test_non_target_renders_equal_official_verbatim(fmt, official):
    # Without reasoning on the last turn there is no target: the official output, byte for byte.
    for name, messages in CASES:
        if thinking_target_index(messages) is None:
            for thinking in (False, True):
                assert fmt.render(
                    messages, thinking=thinking, add_generation_prompt=True
                ) == official(messages, add_generation_prompt=True, thinking=thinking), name


def test_thinking_target_shape(fmt):
    msgs = [user("2+2?"), {"role": "assistant", "content": "4", "reasoning_content": "2+2 is 4"}]
    assert fmt.render(msgs, thinking=True).endswith(
        "<｜User｜>2+2?<｜Assistant｜><think>2+2 is 4</think>4" + EOS
    )
    # Non-thinking mode drops the reasoning, as the official template does.
    assert fmt.render(msgs).endswith("<｜Assistant｜></think>4" + EOS)


def test_tools_go_into_system_prompt_as_model_card(fmt, official):
    msgs = [sys("You are helpful."), user("weather in Paris?")]
    got = fmt.render(msgs, tools=TOOLS, add_generation_prompt=True)
    block = tools_system_prompt(TOOLS)
    assert got == official([*msgs, sys(block)], add_generation_prompt=True)
    assert got.startswith(
        "<｜begin▁of▁sentence｜>You are helpful.\n\n## Tools\nYou have access to the following tools:\n\n### get_weather\n"
    )
    assert (
        "Description: Get the weather for a city.\n\nParameters: "
        + json.dumps(TOOLS[0]["function"]["parameters"])
        in got
    )
    assert "\n### noop\nDescription: \n\nParameters: {}\n" in got
    assert (
        "IMPORTANT: ALWAYS adhere to this exact format for tool use:\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments<｜tool▁call▁end｜>{{additional_tool_calls}}<｜tool▁calls▁end｜>\n\nWhere:\n"
        in got
    )
    assert got.endswith(
        "- For multiple tool calls, chain them directly without separators or spaces<｜User｜>weather in Paris?<｜Assistant｜></think>"
    )
    # No system message: the tool block stands alone after BOS.
    assert fmt.render([user("x")], tools=TOOLS).startswith("<｜begin▁of▁sentence｜>## Tools\n")


def test_deviations_from_template_are_explicit(fmt):
    from agent_rl.errors import DataError

    # An empty call list is a plain turn (the template would drop the content).
    msgs = [user("q"), {"role": "assistant", "content": "hi", "tool_calls": []}]
    assert fmt.render(msgs).endswith("</think>hi" + EOS)
    # Dict arguments are dumped to JSON.
    msgs = [
        user("q"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"type": "function", "function": {"name": "f", "arguments": {"a": "é"}}}
            ],
        },
    ]
    assert '<｜tool▁sep｜>{"a": "é"}<｜tool▁call▁end｜>' in fmt.render(msgs)
    with pytest.raises(DataError, match=r"messages\[1\]\.role"):
        fmt.render([user("q"), {"role": "developer", "content": "x"}])


def test_shipped_template_copy_is_the_official_one():
    from pathlib import Path

    import agent_rl.chat_format as cf

    reference = Path(__file__).resolve().parents[3] / "shared" / "reference"
    REFERENCE = reference / "deepseek_v31_chat_template.jinja"

    if not REFERENCE.exists():
        pytest.skip(f"official template not found at {REFERENCE}")
    shipped = Path(cf.__file__).with_name("deepseek_v31.jinja")
    assert shipped.read_bytes() == REFERENCE.read_bytes()
