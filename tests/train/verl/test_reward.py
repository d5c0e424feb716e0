"""`compute_score` delegates to the env's scoring, directly and inside verl's reward managers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agent_rl.errors import DataError
from agent_rl.train.verl.data import verl_rows
from agent_rl.train.verl.reward import compute_score, final_message


@pytest.fixture(scope="module")
def math_row():
    return verl_rows("agent_rl/Math-v0", "all", 1)[0]


def test_scores_like_the_env(math_row):
    gold = math_row["reward_model"]["ground_truth"]
    right = compute_score("agent_rl/Math-v0", f"So \\boxed{{{gold}}}", gold, math_row["extra_info"])
    wrong = compute_score(
        "agent_rl/Math-v0", f"So \\boxed{{{gold}1}}", gold, math_row["extra_info"]
    )
    assert right["score"] == 1.0 and wrong["score"] == 0.0
    assert set(right) == set(wrong) == {"score", "components", "infra_error", "terminated"}
    assert right["infra_error"] == 0.0
    # the same env, stepped by hand, gives the same reward
    from agent_rl import envs

    env = envs.make("agent_rl/Math-v0")
    env.reset(options={"task": json.loads(math_row["extra_info"]["task"])})
    assert env.step({"role": "assistant", "content": f"So \\boxed{{{gold}}}"})[1] == right["score"]


def test_code_env_runs_its_tests():
    row = verl_rows("agent_rl/Code-v0", "all", 1)[0]
    task = json.loads(row["extra_info"]["task"])
    from agent_rl import envs

    env = envs.make("agent_rl/Code-v0")
    env.reset(options={"task": task})
    good = env.reference_action()["content"]
    env.close()
    assert compute_score(row["data_source"], good, "", row["extra_info"])["score"] == 1.0
    assert (
        compute_score(row["data_source"], "```python\npass\n```", "", row["extra_info"])["score"]
        == 0.0
    )


def test_final_turn_of_a_response_with_markers():
    text = (
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>calc<｜tool▁sep｜>{}<｜tool▁call▁end｜>"
        "<｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁output▁begin｜>4<｜tool▁output▁end｜>"
        "It is \\boxed{4}<｜end▁of▁sentence｜>"
    )
    assert final_message(text) == {"role": "assistant", "content": "It is \\boxed{4}"}
    assert final_message("plain \\boxed{3}")["content"] == "plain \\boxed{3}"


def test_row_without_task_is_refused():
    with pytest.raises(DataError, match=r"extra_info\.task"):
        compute_score("agent_rl/Math-v0", "x", "1", {})


@pytest.mark.slow
@pytest.mark.parametrize("manager", ["naive", "dapo"])
def test_inside_verl_reward_manager(tmp_path, math_row, manager):
    import torch
    from verl.protocol import DataProto
    from verl.trainer.ppo.reward import load_reward_manager

    from agent_rl.chat_format import load_tokenizer
    from agent_rl.train.verl.config import REWARD_FILE
    from agent_rl.train.verl.data import write_parquet
    from agent_rl.train.verl.parity import write_agent_loops
    from tests.train.verl.helpers import verl_config

    data = write_parquet([math_row], tmp_path / "rows.parquet")
    extra = [
        f"reward.custom_reward_function.path={REWARD_FILE}",
        f"reward.reward_manager.name={manager}",
    ]
    if manager == "dapo":
        extra += [
            "+reward.reward_kwargs.overlong_buffer_cfg.enable=true",
            "+reward.reward_kwargs.overlong_buffer_cfg.len=64",
            "+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor=1.0",
            "+reward.reward_kwargs.overlong_buffer_cfg.log=false",
            "+reward.reward_kwargs.max_resp_len=256",
        ]
    config = verl_config(data, write_agent_loops(tmp_path / "loops.yaml"), *extra)
    tok = load_tokenizer("tiny")
    rm = load_reward_manager(config, tok)
    gold = math_row["reward_model"]["ground_truth"]
    scores = []
    for answer in (gold, gold + "1"):
        prompt = tok.encode("p", add_special_tokens=False)
        resp = [*tok.encode(f"So \\boxed{{{answer}}}", add_special_tokens=False), tok.eos_token_id]
        batch = DataProto.from_dict(
            tensors={
                "prompts": torch.tensor([prompt]),
                "responses": torch.tensor([resp]),
                "attention_mask": torch.ones(1, len(prompt) + len(resp), dtype=torch.long),
            },
            non_tensors={
                "data_source": np.array([math_row["data_source"]], dtype=object),
                "reward_model": np.array([math_row["reward_model"]], dtype=object),
                "extra_info": np.array([dict(math_row["extra_info"])], dtype=object),
            },
        )
        result = rm.loop.run_until_complete(rm.run_single(batch))  # its own loop
        scores.append(result["reward_score"])
        assert result["reward_extra_info"]["infra_error"] == 0.0
    assert scores == [1.0, 0.0]


@pytest.mark.slow
def test_loop_overlong_penalty_equals_verls_dapo_manager(tmp_path, math_row):
    """The agent loop's DAPO penalty on env rewards is verl's own formula, length for length."""
    from types import SimpleNamespace

    import torch
    from verl.protocol import DataProto
    from verl.trainer.ppo.reward import load_reward_manager

    from agent_rl.chat_format import load_tokenizer
    from agent_rl.train.verl.agent_loop import AgentRLAgentLoop
    from agent_rl.train.verl.config import REWARD_FILE
    from agent_rl.train.verl.data import write_parquet
    from agent_rl.train.verl.parity import write_agent_loops
    from tests.train.verl.helpers import verl_config

    data = write_parquet([math_row], tmp_path / "rows.parquet")
    config = verl_config(
        data,
        write_agent_loops(tmp_path / "loops.yaml"),
        f"reward.custom_reward_function.path={REWARD_FILE}",
        "reward.reward_manager.name=dapo",
        "+reward.reward_kwargs.overlong_buffer_cfg.enable=true",
        "+reward.reward_kwargs.overlong_buffer_cfg.len=64",
        "+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor=0.5",
        "+reward.reward_kwargs.overlong_buffer_cfg.log=false",
        "+reward.reward_kwargs.max_resp_len=256",
    )
    tok = load_tokenizer("tiny")
    rm = load_reward_manager(config, tok)
    loop = SimpleNamespace(response_length=256, overlong_buffer_len=64, overlong_penalty_factor=0.5)
    gold = math_row["reward_model"]["ground_truth"]
    answer = tok.encode(f"\\boxed{{{gold}}}", add_special_tokens=False)
    for length in (len(answer), 192, 193, 230, 256):
        resp = answer + [tok.pad_token_id + 5] * (length - len(answer))  # a filler token
        batch = DataProto.from_dict(
            tensors={
                "prompts": torch.tensor([[1]]),
                "responses": torch.tensor([resp]),
                "attention_mask": torch.ones(1, 1 + length, dtype=torch.long),
            },
            non_tensors={
                "data_source": np.array([math_row["data_source"]], dtype=object),
                "reward_model": np.array([math_row["reward_model"]], dtype=object),
                "extra_info": np.array([dict(math_row["extra_info"])], dtype=object),
            },
        )
        verl_reward = rm.loop.run_until_complete(rm.run_single(batch))["reward_score"]
        base = compute_score(
            math_row["data_source"],
            tok.decode(resp, skip_special_tokens=True),
            gold,
            math_row["extra_info"],
        )["score"]
        ours = base + AgentRLAgentLoop.overlong_penalty(loop, length)
        assert verl_reward == pytest.approx(ours), length
