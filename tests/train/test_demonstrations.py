"""Oracle demonstrations for SFT, whole or with their tool turns dropped (the demo's teacher)."""

from __future__ import annotations

import pytest

from agent_rl.train.config import load_config
from agent_rl.train.data import trajectory_example, without_tool_turns
from agent_rl.train.sft import _demonstrations


@pytest.fixture(scope="module")
def oracle_trajs(tiny):
    from agent_rl.rollout import OraclePolicy, RolloutEngine, RolloutLimits

    _, _, cf = tiny
    engine = RolloutEngine(
        "agent_rl/Calculator-v0", OraclePolicy(cf), cf, RolloutLimits(max_turns=4)
    )
    trajs = engine.run(seeds=list(range(40)))
    assert all(t.reward == 1.0 and t.num_tool_calls == 1 for t in trajs)
    return trajs


def test_without_tool_turns_keeps_the_prompt_and_the_final_answer(oracle_trajs):
    msgs = oracle_trajs[0].messages
    short = without_tool_turns(msgs)
    assert [m["role"] for m in short] == ["system", "user", "assistant"]
    assert short[-1] == msgs[-1] and "tool_calls" not in short[-1]
    assert short[:2] == msgs[:2]
    # nothing to drop: no tool turn, or no final answer
    assert without_tool_turns(short) is None
    assert without_tool_turns(msgs[:3]) is None
    assert without_tool_turns(msgs[:2]) is None


def test_dropped_demonstrations_share_the_prompt_and_train_only_the_answer(tiny, oracle_trajs):
    _, tok, cf = tiny
    cfg = load_config(None, ["sft.drop_tool_turns=1.0"])
    examples = _demonstrations(cfg, cf, oracle_trajs)
    for traj, ex in zip(oracle_trajs, examples, strict=True):
        n = len(traj.prompt_ids)
        assert ex.input_ids[:n] == traj.prompt_ids and not any(ex.loss_mask[:n])
        trained = tok.decode([t for t, m in zip(ex.input_ids, ex.loss_mask, strict=True) if m])
        assert trained.startswith(traj.messages[-1]["content"])
        assert "calculator" not in trained
        assert len(ex.input_ids) < n + len(traj.response_ids)


def test_drop_share_is_seeded_and_zero_keeps_every_episode_whole(tiny, oracle_trajs):
    _, _, cf = tiny
    whole = [trajectory_example(t) for t in oracle_trajs]
    assert _demonstrations(load_config(None, ["sft.drop_tool_turns=0"]), cf, oracle_trajs) == whole
    cfg = load_config(None, ["sft.drop_tool_turns=0.5"])
    first = _demonstrations(cfg, cf, oracle_trajs)
    assert first == _demonstrations(cfg, cf, oracle_trajs)
    dropped = sum(a != b for a, b in zip(first, whole, strict=True))
    assert 8 <= dropped <= 32  # about half of 40
    other = _demonstrations(
        load_config(None, ["sft.drop_tool_turns=0.5", "seed=1"]), cf, oracle_trajs
    )
    assert other != first


def test_held_out_eval_counts_tool_use(tiny):
    """The oracle calls the calculator in every episode and a tool-free policy in none."""
    from agent_rl.rollout import OraclePolicy
    from agent_rl.train.rl import evaluate_policy

    _, _, cf = tiny
    cfg = load_config(None, ["rollout.max_turns=4"])
    oracle = evaluate_policy(cfg, OraclePolicy(cf), cf, episodes=4)
    assert oracle["eval/success"] == 1.0 and oracle["eval/tool_use"] == 1.0

    class AnswerAtOnce:
        """Sends the env's final-answer shape straight away: no tool call."""

        async def generate(self, prompt_ids, params, context):
            from agent_rl.rollout.backends.base import Generation, decode_ids
            from agent_rl.rollout.backends.oracle import encode_completion

            msg = {"role": "assistant", "content": "The result is \\boxed{1}."}
            ids = encode_completion(cf, msg, context.thinking)
            return Generation(ids, [0.0] * len(ids), decode_ids(cf, ids), "stop")

    direct = evaluate_policy(cfg, AnswerAtOnce(), cf, episodes=2)
    assert direct["eval/tool_use"] == 0.0 and direct["eval/episodes"] == 2.0
