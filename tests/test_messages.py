"""One message contract (issue 9 item 5): envs, SFT records and the chat format agree."""

from __future__ import annotations

import pytest
from agent_rl.envs.core.spaces import AssistantMessageSpace, MessagesSpace
from agent_rl.envs.core.spaces import is_message as space_is_message
from agent_rl.sft_data import make_record, validate_record

from agent_rl.chat_format import get_chat_format
from agent_rl.messages import (
    content_text,
    is_message,
    message_problems,
    normalize_message,
    tool_call,
)

CALL = tool_call("f", {"x": 1}, "call_0")


def record(*messages):
    return make_record("r", [{"role": "user", "content": "q"}, *messages])


@pytest.mark.parametrize(
    ("message", "valid"),
    [
        ({"role": "assistant", "content": None, "tool_calls": [CALL]}, True),
        ({"role": "assistant", "content": None}, True),
        ({"role": "user", "content": None}, False),
        ({"role": "tool", "content": None}, False),
        ({"role": "assistant", "content": "a", "weight": 0}, True),
        ({"role": "assistant", "content": "a", "weight": 1}, True),
        ({"role": "assistant", "content": "a", "weight": 2}, False),
        ({"role": "assistant", "content": "a", "weight": True}, False),
        ({"role": "user", "content": "a", "weight": 0}, False),
        ({"role": "user", "content": "a", "tool_calls": [CALL]}, False),
        ({"role": "robot", "content": "a"}, False),
    ],
)
def test_one_rule_for_content_none_and_weight_everywhere(message, valid):
    assert is_message(message) is valid
    assert space_is_message(message) is valid
    assert MessagesSpace().contains([message]) is valid
    if message["role"] == "assistant":
        assert AssistantMessageSpace().contains(message) is valid
    assert (validate_record(record(message)) == []) is valid or message["role"] != "assistant"
    if valid:  # the chat format renders it (None as "")
        fmt = get_chat_format()
        msgs = [{"role": "user", "content": "q"}, message]
        assert fmt.render(msgs) == fmt.render([msgs[0], normalize_message(message)])


def test_training_data_needs_object_arguments_but_model_output_may_not():
    broken = {"role": "assistant", "content": "", "tool_calls": [tool_call("f", "{oops", "c")]}
    assert is_message(broken)  # the env reads it and tells the model its JSON is broken
    assert message_problems(broken, training=True) == [
        "messages[0].tool_calls[0].function.arguments: not valid JSON"
    ]


def test_tool_call_and_content_text_helpers():
    assert tool_call("f", {"a": 1}, "c") == tool_call("f", '{"a": 1}', "c")
    assert content_text({"content": None}) == ""
    assert content_text({"content": [{"type": "text", "text": "a"}, {"text": "b"}]}) == "ab"


def test_old_names_stay_importable():
    from agent_rl.envs import tool_call as env_tool_call
    from agent_rl.sft_data import tool_call as sft_tool_call
    from agent_rl.sft_data.readers._common import function_to_spec, normalize_schema

    from agent_rl.chat_format.base import content_text as cf_content_text

    assert cf_content_text is content_text and sft_tool_call is tool_call
    assert env_tool_call("f", {"x": 1}, "call_0") == CALL
    assert function_to_spec({"name": "f", "parameters": {"type": "dict"}})["function"][
        "parameters"
    ] == normalize_schema({"type": "object"})


def test_sft_records_normalise_none_content_for_the_curation_passes(tmp_path):
    import json

    from agent_rl.sft_data import convert_files

    src = tmp_path / "in.jsonl"
    msgs = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "content": "1", "tool_call_id": "call_0"},
        {"role": "assistant", "content": "done", "weight": 0},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a2"},
    ]
    src.write_text(json.dumps({"messages": msgs}) + "\n")
    out = tmp_path / "out.jsonl"
    summary = convert_files([src], "openai", out=out)
    assert summary.total.n_out == 1, summary.to_dict()
    rec = json.loads(out.read_text())
    assert rec["messages"][1]["content"] == "" and rec["messages"][3]["weight"] == 0


def test_reader_helpers_keep_raising_record_error():
    from agent_rl.sft_data.readers._common import RecordError, function_to_spec, parse_tools

    for call in (lambda: function_to_spec({"description": "no name"}), lambda: parse_tools(3)):
        with pytest.raises(RecordError):
            call()
