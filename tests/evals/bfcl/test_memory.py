"""BFCL memory categories: BFCL's own memory backends, snapshots between conversations, and
an answer check that agrees with bfcl-eval's `agentic_checker`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("bfcl_eval", reason="bfcl-eval is installed by scripts/setup.sh")
pytest.importorskip("rank_bm25", reason="memory_kv's backend searches with rank_bm25")
pytest.importorskip("overrides", reason="bfcl-eval's memory backends import overrides")


def _call(name: str, **args) -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "c0",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
        ],
    }


def test_memory_written_in_a_conversation_is_there_for_the_questions(tmp_path: Path) -> None:
    from agent_rl.evals.bfcl.memory import MemoryEnv, MemoryLog, load_memory

    entries = load_memory("memory_kv", limit=1)["customer"]
    prereqs = [e for e in entries if e.is_prereq]
    question = next(e for e in entries if not e.is_prereq)
    log = MemoryLog()
    env = MemoryEnv(entries, tmp_path, log)
    for i, prereq in enumerate(prereqs):
        env.reset(options={"task": {"id": prereq.id, "prompt": prereq.id}})
        if i == 0:
            obs, *_ = env.step(
                _call("core_memory_add", key="first_name", value="Zebulon-the-tester")
            )
            assert "error" not in obs[0]["content"].lower(), obs
        done = False
        while not done:
            _, _, term, trunc, _ = env.step({"role": "assistant", "content": "Noted."})
            done = term or trunc
    obs, _ = env.reset(options={"task": {"id": question.id, "prompt": question.id}})
    assert "Zebulon-the-tester" in obs[0]["content"]  # the core memory is in the system prompt
    _, reward, term, _, info = env.step({"role": "assistant", "content": "I do not know"})
    assert term and reward == 0.0 and info["bfcl"]["error_type"] == "agentic:answer_not_found"
    env.reset(options={"task": {"id": question.id, "prompt": question.id}})
    _, reward, *_ = env.step(env.reference_action())
    assert reward == 1.0 and log.verdicts[question.id].valid


def test_answer_check_agrees_with_bfcl_eval() -> None:
    from agent_rl.evals.bfcl.agreement import compare_memory

    report = compare_memory()
    assert report.total == 6 * 310 and report.disagreements == []
    assert report.per_case["glued"]["cases"] == 310
