"""Oversized or deeply nested call arguments in the BFCL eval: `decode_calls`, the BFCL env
(single and multi-turn) and the memory env treat them as arguments that are not JSON (the
answer is undecodable, the call fails in the simulated API), never as an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("bfcl_eval", reason="bfcl-eval is installed by scripts/setup.sh")

HUGE_INT = "1" * 5000  # past CPython's 4,300-digit int/str conversion limit
HOSTILE = {
    "huge_int": '{"x": ' + HUGE_INT + "}",
    "deep_list": "[" * 5000 + "]" * 5000,
    "deep_in_object": '{"x": ' + "[" * 5000 + "]" * 5000 + "}",
    "deep_but_decodable": '{"x": ' + "[" * 150 + "]" * 150 + "}",  # past MAX_ARGUMENT_DEPTH
    "nan": '{"x": NaN}',
    "overflowing_float": '{"x": 1e999}',
}
CASES = pytest.mark.parametrize("arguments", HOSTILE.values(), ids=HOSTILE.keys())


def _message(name: str, arguments: str) -> dict:
    call = {"id": "c0", "type": "function", "function": {"name": name, "arguments": arguments}}
    return {"role": "assistant", "content": "", "tool_calls": [call]}


@CASES
def test_decode_calls_says_undecodable(arguments: str) -> None:
    from agent_rl.evals.bfcl.env import decode_calls

    assert decode_calls(_message("f", arguments)) is None
    assert decode_calls(_message("f", '{"x": 1}')) == [{"f": {"x": 1}}]


@pytest.fixture(scope="module")
def single_turn():
    from agent_rl.evals.bfcl.data import load_category
    from agent_rl.evals.bfcl.env import BFCLEnv

    entry = load_category("simple_python", 1)[0]
    return BFCLEnv([entry]), entry


@CASES
def test_single_turn_answer_is_a_decoder_failure(single_turn, arguments: str) -> None:
    env, entry = single_turn
    env.reset(options={"task": {"id": entry.id, "prompt": entry.id}})
    _, reward, terminated, _, info = env.step(_message(entry.functions[0]["name"], arguments))
    assert terminated and reward == 0.0
    assert info["bfcl"]["error_type"] == "ast_decoder:decoder_failed"


@pytest.fixture(scope="module")
def multi_turn():
    from agent_rl.evals.bfcl.data import load_category
    from agent_rl.evals.bfcl.env import BFCLEnv

    entry = load_category("multi_turn_base", 1)[0]
    return BFCLEnv([entry]), entry


@CASES
def test_multi_turn_call_fails_in_the_world(multi_turn, arguments: str) -> None:
    env, entry = multi_turn
    env.reset(options={"task": {"id": entry.id, "prompt": entry.id}})
    obs, _, terminated, _, _ = env.step(_message("ls", arguments))
    assert not terminated
    assert obs[0]["role"] == "tool" and obs[0]["content"].startswith("Error during execution")


@CASES
def test_memory_call_fails_in_the_world(tmp_path: Path, arguments: str) -> None:
    pytest.importorskip("rank_bm25", reason="memory_kv's backend searches with rank_bm25")
    pytest.importorskip("overrides", reason="bfcl-eval's memory backends import overrides")
    from agent_rl.evals.bfcl.memory import MemoryEnv, MemoryLog, load_memory

    entries = load_memory("memory_kv", limit=1)["customer"]
    env = MemoryEnv(entries, tmp_path, MemoryLog())
    env.reset(options={"task": {"id": entries[0].id, "prompt": entries[0].id}})
    obs, _, terminated, _, _ = env.step(_message("core_memory_add", arguments))
    assert not terminated
    assert obs[0]["content"] == "Error during execution: the arguments are not a JSON object"
