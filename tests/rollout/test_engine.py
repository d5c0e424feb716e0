"""Engine mechanics: ids and masks, concurrency, limits, failures, groups."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from agent_rl.errors import ConfigError
from agent_rl.rollout import RolloutEngine, RolloutLimits, RolloutSummary, SamplingParams
from tests.rollout.rollout_helpers import ScriptedPolicy, WordEnv, full_conversation_check


def engine(cf: Any, policy: Any, env_factory: Any = WordEnv, **kw: Any) -> RolloutEngine:
    limits = kw.pop("limits", RolloutLimits(max_turns=6, max_tokens_per_turn=64, step_timeout_s=10))
    return RolloutEngine(env_factory, policy, cf, limits, **kw)


def test_single_turn_episode_ids_mask_logprobs(chat_format: Any) -> None:
    (traj,) = engine(chat_format, ScriptedPolicy(chat_format)).run(n=1)
    assert traj.termination == "terminated" and traj.error is None
    assert traj.reward == 1.0 and traj.turn_rewards == [1.0]
    assert traj.num_turns == 1 and traj.task_id == "word-w0"
    assert traj.response_ids[-1] == chat_format.eos_token_id
    assert len(traj.loss_mask) == len(traj.logprobs) == len(traj.response_ids)
    assert set(traj.loss_mask) == {1} and set(traj.logprobs) == {-0.25}
    assert traj.prompt_ids == chat_format.encode_prompt(traj.messages[:1])
    full_conversation_check(chat_format, traj)
    assert [m["role"] for m in traj.messages] == ["user", "assistant"]


def test_multi_turn_ids_equal_reencoding_and_env_tokens_are_masked(chat_format: Any) -> None:
    def script(ctx: Any, turn: int) -> dict[str, Any]:
        word = ctx.reference()["content"]
        return {"role": "assistant", "content": "nope" if turn == 0 else word}

    eng = engine(
        chat_format, ScriptedPolicy(chat_format, script), lambda: WordEnv(needed=2), validate=True
    )
    trajs = eng.run(n=3)
    for traj in trajs:
        assert traj.termination == "terminated"
        assert traj.num_turns == 3 and traj.turn_rewards == [0.0, 0.0, 1.0]
        assert "prefix_violations" not in traj.info
        full_conversation_check(chat_format, traj)
        # env tokens: mask 0 and logprob 0.0; policy tokens: mask 1 and the policy's logprob
        for m, lp in zip(traj.loss_mask, traj.logprobs, strict=True):
            assert (m, lp) in {(1, -0.25), (0, 0.0)}
        assert 0 in traj.loss_mask
    assert [t.messages[0]["content"] for t in trajs] == [f"Say w{i} (seed {i})." for i in range(3)]


def test_tool_call_observation_roundtrip(chat_format: Any) -> None:
    def script(ctx: Any, turn: int) -> dict[str, Any]:
        if turn == 0:
            call = {"id": "c1", "type": "function", "function": {"name": "hint", "arguments": "{}"}}
            return {"role": "assistant", "content": "", "tool_calls": [call]}
        return ctx.reference()

    eng = engine(
        chat_format, ScriptedPolicy(chat_format, script), lambda: WordEnv(tools=True), validate=True
    )
    (traj,) = eng.run(n=1)
    assert traj.termination == "terminated", traj.error
    assert [m["role"] for m in traj.messages] == ["user", "assistant", "tool", "assistant"]
    assert traj.messages[1]["tool_calls"][0]["function"]["name"] == "hint"
    assert traj.tools and "prefix_violations" not in traj.info
    full_conversation_check(chat_format, traj)


def test_validate_records_prefix_violation(chat_format: Any) -> None:
    # Malformed output: the stored (parsed) message re-encodes differently from what was sampled.
    class Garbled(ScriptedPolicy):
        async def generate(self, prompt_ids, params, context):  # type: ignore[override]
            ids = chat_format.tokenizer.encode(
                "<｜tool▁calls▁begin｜>oops", add_special_tokens=False
            )
            ids = [*ids, chat_format.eos_token_id]
            from agent_rl.rollout import Generation

            return Generation(ids, [-0.25] * len(ids), chat_format.decode(ids), "stop")

    eng = engine(
        chat_format, Garbled(chat_format), validate=True, limits=RolloutLimits(max_turns=2)
    )
    (traj,) = eng.run(n=1)
    assert traj.termination == "max_turns"
    assert traj.info["parse_errors"]
    assert traj.info["prefix_violations"][0]["turn"] == 0


def test_concurrency_limit_is_respected(chat_format: Any) -> None:
    for limit in (1, 8):
        policy = ScriptedPolicy(chat_format, delay_s=0.02)
        trajs = engine(chat_format, policy, concurrency=limit).run(n=16)
        assert len(trajs) == 16 and all(t.reward == 1.0 for t in trajs)
        assert policy.max_in_flight == limit


def test_max_turns(chat_format: Any) -> None:
    wrong = ScriptedPolicy(chat_format, lambda ctx, turn: {"role": "assistant", "content": "x"})
    eng = engine(chat_format, wrong, limits=RolloutLimits(max_turns=3))
    (traj,) = eng.run(n=1)
    assert traj.termination == "max_turns" and traj.num_turns == 3
    assert traj.reward == 0.0 and len(traj.turn_rewards) == 3
    full_conversation_check(chat_format, traj)


def test_total_token_budget_truncates_generation(chat_format: Any) -> None:
    long = {"role": "assistant", "content": "blah " * 200}
    policy = ScriptedPolicy(chat_format, lambda ctx, turn: long)
    limits = RolloutLimits(max_turns=4, max_tokens_per_turn=1000, max_total_tokens=60)
    (traj,) = engine(chat_format, policy, limits=limits).run(n=1)
    assert traj.termination == "max_tokens"
    assert len(traj.prompt_ids) + len(traj.response_ids) == 60
    assert policy.calls[0][1].max_tokens == 60 - len(traj.prompt_ids)
    assert traj.turn_rewards == []  # a cut-off reply is never sent to the env


def test_token_budget_runs_out_between_turns(chat_format: Any) -> None:
    wrong = ScriptedPolicy(chat_format, lambda ctx, turn: {"role": "assistant", "content": "x"})
    prompt_len = len(chat_format.encode_prompt([{"role": "user", "content": "Say w0 (seed 0)."}]))
    limits = RolloutLimits(max_turns=50, max_total_tokens=prompt_len + 30)
    (traj,) = engine(chat_format, wrong, limits=limits).run(n=1)
    assert traj.termination == "max_tokens"
    assert len(traj.prompt_ids) + len(traj.response_ids) <= prompt_len + 30
    assert all(p.max_tokens <= prompt_len + 30 - len(ids) for ids, p in wrong.calls)


def test_step_timeouts(chat_format: Any) -> None:
    limits = RolloutLimits(step_timeout_s=0.05)
    slow_env = engine(
        chat_format, ScriptedPolicy(chat_format), lambda: WordEnv(step_sleep_s=0.3), limits=limits
    )
    (traj,) = slow_env.run(n=1)
    assert traj.termination == "step_timeout" and "env step" in traj.error
    slow_policy = engine(chat_format, ScriptedPolicy(chat_format, delay_s=1.0), limits=limits)
    (traj,) = slow_policy.run(n=1)
    assert traj.termination == "step_timeout" and "generate" in traj.error
    assert traj.failed


def test_error_isolation_env_and_backend(chat_format: Any, caplog: Any) -> None:
    def factory() -> WordEnv:
        return WordEnv(
            raise_reset_on=[1], raise_step_on=[2, 5], infra_error_on=[3], system_message_on=[6]
        )

    policy = ScriptedPolicy(
        chat_format, fail_when=lambda ctx: "(seed 4)" in ctx.messages[0]["content"]
    )
    trajs = engine(chat_format, policy, factory).run(n=10)
    by_seed = {t.seed: t for t in trajs}
    assert by_seed[1].termination == "env_error" and "reset exploded" in by_seed[1].error
    assert by_seed[2].termination == "env_error" and "step exploded" in by_seed[2].error
    assert by_seed[3].termination == "infra_error" and "verifier" in by_seed[3].error
    assert by_seed[4].termination == "backend_error" and "ConnectionError" in by_seed[4].error
    assert by_seed[6].termination == "env_error" and "system message" in by_seed[6].error
    ok = [s for s in range(10) if s not in {1, 2, 3, 4, 5, 6}]
    assert all(by_seed[s].termination == "terminated" and by_seed[s].reward == 1.0 for s in ok)

    summary = RolloutSummary.of(trajs, elapsed_s=1.0)
    assert summary.terminations == {
        "terminated": 4,
        "env_error": 4,
        "backend_error": 1,
        "infra_error": 1,
    }
    assert summary.failed == 6 and summary.mean_reward == 1.0  # failures are not zeros
    # ... and the batch says so in the log, with the kinds and one error.
    (record,) = [r for r in caplog.records if "episodes of" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert "6 of 10 episodes" in record.getMessage() and "env_error 4" in record.getMessage()


def test_envs_are_closed(chat_format: Any) -> None:
    made: list[WordEnv] = []

    def factory() -> WordEnv:
        made.append(WordEnv(raise_step_on=[1]))
        return made[-1]

    engine(chat_format, ScriptedPolicy(chat_format), factory).run(n=3)
    assert len(made) == 3 and all(e.closed for e in made)


def test_group_sampling_shares_task_and_seeds_differ(chat_format: Any) -> None:
    policy = ScriptedPolicy(chat_format)
    eng = engine(chat_format, policy, sampling=SamplingParams(temperature=1.0, seed=7))
    trajs = eng.run(seeds=[10, 20, 30], group_size=4)
    assert len(trajs) == 12
    groups = Counter(t.group for t in trajs)
    assert sorted(groups.values()) == [4, 4, 4]
    for g in groups:
        members = [t for t in trajs if t.group == g]
        assert len({t.task_id for t in members}) == 1 and len({t.seed for t in members}) == 1
        assert sorted(t.sample for t in members) == [0, 1, 2, 3]
    assert len({p.seed for _, p in policy.calls}) == 12  # distinct sampling seeds
    again = ScriptedPolicy(chat_format)
    engine(chat_format, again, sampling=SamplingParams(seed=7)).run(
        seeds=[10, 20, 30], group_size=4
    )
    assert sorted(p.seed for _, p in again.calls) == sorted(p.seed for _, p in policy.calls)


def test_explicit_tasks_and_callback(chat_format: Any) -> None:
    seen: list[str] = []
    eng = engine(chat_format, ScriptedPolicy(chat_format))
    trajs = eng.run(
        tasks=[{"word": "apple"}, {"word": "pear"}], on_result=lambda t: seen.append(t.task_id)
    )
    assert [t.task_id for t in trajs] == ["word-apple", "word-pear"]
    assert sorted(seen) == ["word-apple", "word-pear"]
    assert all(t.reward == 1.0 for t in trajs)


def test_thinking_mode_single_turn(chat_format: Any) -> None:
    def script(ctx: Any, turn: int) -> dict[str, Any]:
        return {**ctx.reference(), "reasoning_content": "The word is in the prompt."}

    eng = engine(chat_format, ScriptedPolicy(chat_format, script), thinking=True)
    (traj,) = eng.run(n=1)
    assert traj.termination == "terminated" and traj.thinking
    assert traj.messages[1]["reasoning_content"] == "The word is in the prompt."
    full_conversation_check(chat_format, traj)


def test_bad_arguments(chat_format: Any) -> None:
    with pytest.raises(ConfigError, match="concurrency"):
        RolloutEngine(WordEnv, ScriptedPolicy(chat_format), chat_format, concurrency=0)
    with pytest.raises(ConfigError, match="max_turns"):
        RolloutLimits(max_turns=0)
    with pytest.raises(ConfigError, match="n, seeds or tasks"):
        engine(chat_format, ScriptedPolicy(chat_format)).run()
