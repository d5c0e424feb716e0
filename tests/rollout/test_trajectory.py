"""Trajectory records: JSONL round trip, validation, the verl mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_rl.errors import DataError
from agent_rl.rollout import TERMINATIONS, Trajectory, read_jsonl, write_jsonl


def sample(i: int) -> Trajectory:
    return Trajectory(
        prompt_ids=[0, 3, 10 + i],
        response_ids=[5, 6, 1, 7, 8, 4, 9, 1],
        loss_mask=[1, 1, 1, 0, 0, 0, 1, 1],
        logprobs=[-0.5, -1.0, -0.1, 0.0, 0.0, 0.0, -2.0, -0.3],
        messages=[
            {"role": "user", "content": f"q{i} ünïcode"},
            {"role": "assistant", "content": "a"},
        ],
        turn_rewards=[0.0, 1.0],
        reward=1.0,
        termination="terminated",
        timings={"reset": 0.1, "generate": [0.2, 0.3], "env": [0.01, 0.02], "total": 0.7},
        env_id="agent_rl/Math-v0",
        task_id=f"t{i}",
        seed=i,
        group=f"g{i // 2}",
        sample=i % 2,
        num_turns=2,
        info={"finish_reasons": ["stop", "stop"]},
    )


def test_jsonl_round_trip(tmp_path: Path) -> None:
    trajs = [sample(i) for i in range(5)]
    path = tmp_path / "sub" / "out.jsonl"
    assert write_jsonl(iter(trajs), path) == 5
    back = list(read_jsonl(path))
    assert back == trajs
    assert len(path.read_text(encoding="utf-8").splitlines()) == 5
    for t in back:
        t.check()


def test_read_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps(sample(0).to_dict())
    path.write_text(good + "\n\n" + '{"prompt_ids": [1], "bogus": 2}\n', encoding="utf-8")
    it = read_jsonl(path)
    assert next(it).task_id == "t0"
    with pytest.raises(DataError, match=r"bad\.jsonl:3.*bogus"):
        next(it)
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.jsonl:1"):
        list(read_jsonl(path))


def test_terminations_are_a_closed_set() -> None:
    assert "terminated" in TERMINATIONS and "backend_error" in TERMINATIONS
    with pytest.raises(DataError, match="termination"):
        Trajectory(termination="exploded")
    assert Trajectory(termination="infra_error").failed
    assert not Trajectory(termination="max_turns").failed


def test_check_catches_length_mismatch() -> None:
    t = sample(0)
    t.logprobs.pop()
    with pytest.raises(DataError, match="logprobs"):
        t.check()


def test_verl_agent_loop_output_fields() -> None:
    t = sample(3)
    out = t.to_verl_agent_loop_output()
    assert out["prompt_ids"] == t.prompt_ids and out["response_ids"] == t.response_ids
    assert out["response_mask"] == t.loss_mask and out["response_logprobs"] == t.logprobs
    assert out["reward_score"] == 1.0 and out["num_turns"] == 2
    assert out["metrics"] == {
        "generate_sequences": pytest.approx(0.5),
        "tool_calls": pytest.approx(0.03),
    }
    assert out["extra_fields"]["termination"] == "terminated"
    t.info["logprobs_missing"] = True
    assert t.to_verl_agent_loop_output()["response_logprobs"] is None


def _verl_agent_loop_output() -> type | None:
    try:
        from verl.experimental.agent_loop.agent_loop import AgentLoopOutput
    except Exception:
        return None
    return AgentLoopOutput


def test_verl_accepts_the_output() -> None:
    cls = _verl_agent_loop_output()
    if cls is None:
        pytest.skip(
            "verl's agent loop does not import here (optional extra agent-rl[verl]: verl, uvicorn, fastapi, cachetools)"
        )
    out = cls(**sample(1).to_verl_agent_loop_output())
    assert out.response_mask == sample(1).loss_mask
