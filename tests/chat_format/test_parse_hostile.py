"""Hostile model output: the parser stays linear and names bad argument values (issue 11)."""

from __future__ import annotations

import time

import pytest

from agent_rl.chat_format import parse_v31
from agent_rl.chat_format.parser import _parse_calls
from agent_rl.chat_format.special_tokens import (
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_SEP,
)

B, E, CB, CE, SEP = TOOL_CALLS_BEGIN, TOOL_CALLS_END, TOOL_CALL_BEGIN, TOOL_CALL_END, TOOL_SEP


class CountingStr(str):
    """A str that counts the characters its `find` calls scan (a machine-independent cost)."""

    scanned = 0

    def find(self, sub, start=0, end=None):  # type: ignore[override]
        pos = str.find(self, sub, start, *(() if end is None else (end,)))
        stop = len(self) if end is None else end
        CountingStr.scanned += (pos + len(sub) if pos >= 0 else stop) - start
        return pos


def _scan_cost(n: int) -> int:
    block = CountingStr(f"{CB}f{SEP}{{}}" * n)
    CountingStr.scanned = 0
    calls = _parse_calls(block, [], None)
    assert len(calls) == n
    return CountingStr.scanned


def test_unclosed_calls_scan_linearly():
    # Quadratic scanning re-reads the rest of the block for every call: the cost per call grows
    # with n. Linear scanning keeps it flat.
    small, large = _scan_cost(200), _scan_cost(2000)
    assert large / small < 10 * 2, (small, large)


def test_twenty_thousand_unclosed_calls_same_result_as_before():
    text = B + f"{CB}f{SEP}{{}}" * 20000
    t0 = time.perf_counter()
    out = parse_v31(text)
    elapsed = time.perf_counter() - t0
    assert len(out["tool_calls"]) == 20000
    assert all(c["function"]["name"] == "f" for c in out["tool_calls"])
    assert (
        sum(e.startswith("tool call") and "not closed" in e for e in out["parse_errors"]) == 20000
    )
    print(f"20,000 unclosed calls parsed in {elapsed:.3f}s")


def test_normal_input_unchanged_by_the_linear_scan():
    text = f'hi{B}{CB}a{SEP}{{"x": 1}}{CE}{CB}b{SEP}{{}}{CB}c{SEP}{{}}{CE}{E}'
    out = parse_v31(text)
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in out["tool_calls"]] == [
        ("a", '{"x": 1}'),
        ("b", "{}"),
        ("c", "{}"),
    ]
    assert out["parse_errors"] == ["tool call 2 is not closed with " + CE + " (truncated output?)"]


def _one_call(args: str) -> dict:
    return parse_v31(f"{B}{CB}f{SEP}{args}{CE}{E}")


def test_nan_and_infinity_arguments_are_parse_errors():
    for bad in ('{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'):
        out = _one_call(bad)
        assert any("is not standard JSON" in e for e in out["parse_errors"]), (
            bad,
            out["parse_errors"],
        )


def test_null_and_non_object_arguments_are_named():
    out = _one_call("null")
    assert out["tool_calls"][0]["function"]["arguments"] == "null"  # kept verbatim, not {}
    assert any("must be a JSON object, got null" in e for e in out["parse_errors"])
    out = _one_call('"null"')
    assert any("must be a JSON object, got a string" in e for e in out["parse_errors"])


def test_huge_integer_and_deep_nesting_do_not_raise():
    out = _one_call('{"x": ' + "9" * 5000 + "}")
    assert out["tool_calls"] and out["parse_errors"]
    out = _one_call('{"x": ' + "[" * 100000 + "]" * 100000 + "}")
    assert out["tool_calls"] and out["parse_errors"]


# ------------------------------------------------------------------ the hf format's parser
@pytest.fixture(scope="module")
def hermes_format():
    from agent_rl.chat_format import build_tiny_tokenizer, get_chat_format

    tok = build_tiny_tokenizer()
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['content'] }}<tool_call><|im_end|>{% endfor %}"
    )
    return get_chat_format("hf", tokenizer=tok)


CALL_F = '<tool_call>{"name": "f", "arguments": {"x": 1}}'


def test_hf_unclosed_calls_stop_at_the_next_call(hermes_format):
    text = "hi " + CALL_F + "</tool_call>" + CALL_F + CALL_F + "</tool_call>"
    out = hermes_format.parse(text)
    assert out["content"] == "hi "
    assert [c["function"]["arguments"] for c in out["tool_calls"]] == ['{"x": 1}'] * 3
    assert out["parse_errors"] == [
        "tool call 2 is not closed with </tool_call> (truncated output?)"
    ]
    out = hermes_format.parse(CALL_F * 20000)
    assert len(out["tool_calls"]) == 20000


def test_hf_parser_never_raises_and_rejects_non_standard_json(hermes_format):
    for body, words in (
        ('{"name": "f", "arguments": {"x": NaN}}', "not valid JSON"),
        ('{"name": "f", "arguments": {"x": ' + "9" * 5000 + "}}", "not valid JSON"),
        ('{"name": "f", "arguments": ' + "[" * 100000 + "]" * 100000 + "}", "not valid JSON"),
    ):
        out = hermes_format.parse(f"<tool_call>{body}</tool_call>")
        assert out["tool_calls"] == [] and words in out["parse_errors"][0], out["parse_errors"]
