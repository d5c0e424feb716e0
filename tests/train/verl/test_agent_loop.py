"""The agent loop inside verl's real worker, against the tiny model served on CPU: the same ids,
masks, logprobs and rewards as the local rollout engine for the same seeds and sampling."""

from __future__ import annotations

import json

import pytest
import torch

from agent_rl.rollout import RolloutEngine, RolloutLimits, SamplingParams
from agent_rl.train.verl.parity import run_worker, same_episode, unpad, write_agent_loops
from tests.train.verl.helpers import ECHO_ID, eos_leaning_policy, register_echo, verl_config

pytestmark = pytest.mark.slow

LOOP = {"max_turns": 3, "max_tokens_per_turn": 24, "step_timeout_s": 120.0, "seed": 7}


def _local(env_id: str, tasks: list[dict], policy, tok) -> list:
    from agent_rl.chat_format import get_chat_format

    engine = RolloutEngine(
        env_id,
        policy,
        get_chat_format("deepseek_v31", tokenizer=tok),
        RolloutLimits(
            max_turns=3, max_tokens_per_turn=24, max_total_tokens=512 + 256, step_timeout_s=120
        ),
        sampling=SamplingParams(temperature=1.0, top_p=1.0, seed=7),
        concurrency=1,
    )
    return engine.run(tasks=tasks)


@pytest.mark.parametrize("env_id", [ECHO_ID, "agent_rl/Calculator-v0"])
def test_verl_worker_equals_local_rollout(tmp_path, env_id):
    from agent_rl.train.verl.cpu_server import TransformersServerManager
    from agent_rl.train.verl.data import verl_rows, write_parquet

    register_echo()
    rows = verl_rows(env_id, "all", 3)
    data = write_parquet(rows, tmp_path / "rows.parquet")
    config = verl_config(data, write_agent_loops(tmp_path / "loops.yaml", **LOOP))
    policy, tok = eos_leaning_policy()
    server = TransformersServerManager(policy)

    out = run_worker(config, server, data)
    local = _local(env_id, [json.loads(r["extra_info"]["task"]) for r in rows], policy, tok)

    assert len(server.requests) == sum(t.num_turns for t in local)
    multi_turn = 0
    for i, traj in enumerate(local):
        got = unpad(out, i)
        assert not traj.failed, traj.error
        assert got["prompt_ids"] == traj.prompt_ids
        assert got["response_ids"] == traj.response_ids
        assert got["response_mask"] == traj.loss_mask
        assert torch.equal(got["logprobs"], torch.tensor(traj.logprobs, dtype=torch.float32))
        assert got["reward"] == pytest.approx(traj.reward)
        assert same_episode(got, traj) == []
        assert out.non_tensor_batch["termination"][i] == traj.termination
        multi_turn += 0 in traj.loss_mask
    if env_id == ECHO_ID:  # the comparison covers appended observation ids, not one turn only
        assert multi_turn >= 1


def test_failed_episode_keeps_its_row_with_no_trained_tokens(tmp_path):
    """An env that cannot be built is an infrastructure failure: row kept, mask all zero."""
    from agent_rl.train.verl.cpu_server import TransformersServerManager
    from agent_rl.train.verl.data import verl_rows, write_parquet

    register_echo()
    rows = verl_rows(ECHO_ID, "all", 2)
    rows[1]["extra_info"]["env_kwargs"] = json.dumps({"no_such_option": 1})
    data = write_parquet(rows, tmp_path / "rows.parquet")
    config = verl_config(data, write_agent_loops(tmp_path / "loops.yaml", **LOOP))
    policy, _ = eos_leaning_policy()
    out = run_worker(config, TransformersServerManager(policy), data)
    assert out.batch["response_mask"][0].sum() > 0
    assert out.batch["response_mask"][1].sum() == 0
    assert out.non_tensor_batch["failed"].tolist() == [False, True]
    assert "no_such_option" in out.non_tensor_batch["error"][1]
