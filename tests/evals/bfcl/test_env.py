"""The BFCL eval env: V3.1 prompts with the tools in the system prompt, BFCL's decoding."""

from __future__ import annotations

import pytest

pytest.importorskip("bfcl_eval", reason="bfcl-eval is installed by scripts/setup.sh")


def test_prompt_is_v31_with_tools_in_the_system_prompt() -> None:
    from agent_rl.evals.bfcl.data import load_category
    from agent_rl.evals.bfcl.env import BFCLEnv

    from agent_rl.chat_format import get_chat_format
    from agent_rl.rollout import RolloutEngine, make_policy

    cf = get_chat_format("deepseek_v31")
    entries = load_category("multiple", 2)
    engine = RolloutEngine(lambda: BFCLEnv(entries), make_policy("oracle", chat_format=cf), cf)
    trajs = engine.run(tasks=[{"id": entries[0].id, "prompt": "x"}])
    prompt = cf.decode(trajs[0].prompt_ids)
    assert "## Tools" in prompt and prompt.index("## Tools") < prompt.index("<｜User｜>")
    for fn in entries[0].functions:
        assert f"### {fn['name']}" in prompt
    assert trajs[0].reward == 1.0


def test_decode_calls_follows_bfcl() -> None:
    from agent_rl.evals.bfcl.env import decode_calls

    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    assert decode_calls({"tool_calls": [call]}) == [{"f": {"a": 1}}]
    bad = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1]"}}
    assert decode_calls({"tool_calls": [bad]}) is None
    assert decode_calls({"content": "no call"}) == []
