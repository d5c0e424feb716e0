"""The oracle through the real envs, the real V3.1 format and the real tokenizer."""

from __future__ import annotations

from typing import Any

from agent_rl.rollout import OraclePolicy, RolloutEngine, RolloutLimits, RolloutSummary, make_policy
from tests.rollout.rollout_helpers import full_conversation_check


def test_oracle_math_scores_one(chat_format: Any) -> None:
    eng = RolloutEngine(
        "agent_rl/Math-v0",
        make_policy("oracle", chat_format=chat_format),
        chat_format,
        validate=True,
    )
    trajs = eng.run(n=8)
    summary = RolloutSummary.of(trajs)
    assert summary.terminations == {"terminated": 8}, summary.errors
    assert summary.mean_reward == 1.0
    assert len({t.task_id for t in trajs}) > 1
    for t in trajs:
        assert t.num_turns == 1 and "prefix_violations" not in t.info
        full_conversation_check(chat_format, t)


def test_oracle_calculator_multi_turn(chat_format: Any) -> None:
    eng = RolloutEngine(
        "agent_rl/Calculator-v0",
        OraclePolicy(chat_format),
        chat_format,
        RolloutLimits(max_turns=8),
        validate=True,
    )
    trajs = eng.run(n=4)
    for t in trajs:
        assert t.termination == "terminated", t.error
        assert t.reward == 1.0
        assert t.num_turns >= 2  # at least one tool call, then the answer
        roles = [m["role"] for m in t.messages]
        assert "tool" in roles and t.tools
        assert "prefix_violations" not in t.info
        assert 0 in t.loss_mask  # tool results are env tokens
        full_conversation_check(chat_format, t)


def test_oracle_wrong_env_reference_is_backend_error(chat_format: Any) -> None:
    class NoReference:
        def reset(self, seed=None, options=None):
            return [{"role": "user", "content": "hi"}], {"tools": []}

        def step(self, action):
            return [], 0.0, True, False, {}

        def reference_action(self):
            return None

    (t,) = RolloutEngine(NoReference, OraclePolicy(chat_format), chat_format).run(n=1)
    assert t.termination == "backend_error" and "reference_action" in t.error


def test_real_verifier_timeout_fails_the_episode_instead_of_scoring_zero(
    chat_format: Any,
) -> None:
    # The real Math env and verifier: an answer that makes sympy spin past the timeout is an
    # infra failure of that episode (excluded from the mean), never a silent reward of 0.
    from agent_rl.envs.math import MathEnv, Verifier

    from agent_rl.rollout import Generation

    class Hang:
        async def generate(self, prompt_ids, params, context):
            reply = {"role": "assistant", "content": "\\boxed{10^{10^{10^{10}}}}"}
            return Generation(chat_format.encode_completion(reply), None, "", "stop")

    task = {"id": "t", "prompt": "What is 2+3?", "answer": "5"}
    with Verifier(workers=1, timeout=1.0) as verifier:
        trajs = RolloutEngine(
            lambda: MathEnv(tasks=[task], verifier=verifier), Hang(), chat_format
        ).run(n=1)
        assert verifier.stats["timeouts"] == 1
    summary = RolloutSummary.of(trajs)
    assert summary.terminations == {"infra_error": 1} and summary.mean_reward is None
    assert trajs[0].failed and "verifier timeout" in trajs[0].error
