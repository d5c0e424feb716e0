from __future__ import annotations

import pytest
from agent_rl.envs.core.spaces import AssistantMessageSpace, MessagesSpace


def test_messages_space_accepts_conversations_and_rejects_bad_shapes() -> None:
    space = MessagesSpace()
    good = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "content": "1", "tool_call_id": "c", "name": "f"},
    ]
    assert good in space
    assert [] in space
    assert [] not in MessagesSpace(allow_empty=False)
    assert [{"role": "robot", "content": "x"}] not in space
    assert [{"role": "user", "content": 3}] not in space
    assert [{"role": "user", "content": "x", "tool_calls": []}] not in space
    bad_call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "f", "arguments": {}}}],
    }
    assert [bad_call] not in space  # arguments must be a JSON string
    assert "not a list" not in space


def test_assistant_space_accepts_strings_and_parser_output() -> None:
    space = AssistantMessageSpace(tool_names=("calculator",))
    assert "plain text" in space
    assert {
        "role": "assistant",
        "content": "x",
        "reasoning_content": "r",
        "parse_errors": [],
    } in space
    assert {"role": "user", "content": "x"} not in space
    assert {"content": "x", "unknown": 1} not in space
    assert 42 not in space


@pytest.mark.parametrize("space_type", [MessagesSpace, AssistantMessageSpace])
def test_sample_is_seeded_and_a_member(space_type: type) -> None:
    kwargs = {"tool_names": ("calculator",)} if space_type is AssistantMessageSpace else {}
    a, b = space_type(seed=7, **kwargs), space_type(seed=7, **kwargs)
    samples_a = [a.sample() for _ in range(20)]
    assert samples_a == [b.sample() for _ in range(20)]
    assert all(s in a for s in samples_a)
    assert samples_a != [space_type(seed=8, **kwargs).sample() for _ in range(20)]


def test_assistant_sample_sometimes_calls_a_tool() -> None:
    space = AssistantMessageSpace(tool_names=("calculator",), seed=0)
    samples = [space.sample() for _ in range(30)]
    assert any("tool_calls" in s for s in samples)
    assert any("tool_calls" not in s for s in samples)
    assert not any("tool_calls" in AssistantMessageSpace(seed=i).sample() for i in range(10))
