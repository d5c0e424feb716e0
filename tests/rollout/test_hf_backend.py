"""TransformersPolicy on the real tiny model: batching, logprobs, stops, seeds, rollouts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import torch

from agent_rl.rollout import (
    GenerationContext,
    RolloutEngine,
    RolloutLimits,
    RolloutSummary,
    SamplingParams,
    TransformersPolicy,
)
from tests.rollout.rollout_helpers import full_conversation_check


@pytest.fixture(scope="module")
def policy(tiny: tuple[Any, Any]) -> TransformersPolicy:
    model, tokenizer = tiny
    return TransformersPolicy(model, tokenizer, max_batch_size=8, cpu_threads=1)


def prompts(chat_format: Any) -> list[list[int]]:
    texts = ["What is 2+2?", "Name a colour.", "Count to three, slowly and with care please."]
    return [chat_format.encode_prompt([{"role": "user", "content": t}]) for t in texts]


def test_batched_greedy_equals_one_by_one(policy: TransformersPolicy, chat_format: Any) -> None:
    ps = prompts(chat_format)
    assert len({len(p) for p in ps}) == 3  # left padding really happens
    params = SamplingParams(temperature=0.0, max_tokens=12)
    batched = policy.generate_batch(ps, [params] * 3)
    single = [policy.generate_batch([p], [params])[0] for p in ps]
    for b, s in zip(batched, single, strict=True):
        assert b.token_ids == s.token_ids
        assert b.logprobs == pytest.approx(s.logprobs, abs=1e-4)
        assert len(b.token_ids) == 12 and b.finish_reason == "length"


def test_logprobs_match_a_full_forward_pass(policy: TransformersPolicy, chat_format: Any) -> None:
    p = prompts(chat_format)[0]
    params = SamplingParams(temperature=0.7, top_p=0.9, max_tokens=10, seed=3)
    (gen,) = policy.generate_batch([p], [params])
    ids = torch.tensor([p + gen.token_ids])
    with torch.no_grad():
        logits = policy.model(ids).logits[0, len(p) - 1 : -1].float()
    expected = torch.log_softmax(logits / 0.7, -1).gather(1, torch.tensor(gen.token_ids)[:, None])
    assert gen.logprobs == pytest.approx(expected[:, 0].tolist(), abs=1e-4)


def test_seeded_sampling_is_reproducible(policy: TransformersPolicy, chat_format: Any) -> None:
    p = prompts(chat_format)[1]
    a = policy.generate_batch([p], [SamplingParams(temperature=1.0, max_tokens=16, seed=11)])[0]
    b = policy.generate_batch([p, p], [SamplingParams(temperature=1.0, max_tokens=16, seed=11)] * 2)
    assert a.token_ids == b[0].token_ids == b[1].token_ids
    c = policy.generate_batch([p], [SamplingParams(temperature=1.0, max_tokens=16, seed=12)])[0]
    assert c.token_ids != a.token_ids


def test_stop_tokens_and_per_row_budgets(policy: TransformersPolicy, chat_format: Any) -> None:
    ps = prompts(chat_format)
    greedy = policy.generate_batch([ps[0]], [SamplingParams(temperature=0.0, max_tokens=8)])[0]
    stop = greedy.token_ids[2]
    first = greedy.token_ids.index(stop)
    out = policy.generate_batch(
        [ps[0], ps[1]],
        [
            SamplingParams(temperature=0.0, max_tokens=8, stop_token_ids=(stop,)),
            SamplingParams(temperature=0.0, max_tokens=3),
        ],
    )
    assert out[0].token_ids == greedy.token_ids[: first + 1] and out[0].finish_reason == "stop"
    assert len(out[1].token_ids) == 3 and out[1].finish_reason == "length"


def test_concurrent_requests_are_batched(tiny: tuple[Any, Any], chat_format: Any) -> None:
    model, tokenizer = tiny
    pol = TransformersPolicy(model, tokenizer, max_batch_size=16, batch_wait_s=0.05, cpu_threads=1)
    ps = prompts(chat_format) * 4
    params = SamplingParams(temperature=0.0, max_tokens=4)

    async def main() -> list[Any]:
        return await asyncio.gather(*(pol.generate(p, params, GenerationContext()) for p in ps))

    gens = asyncio.run(main())
    assert len(gens) == 12 and pol.requests_served == 12
    assert pol.batches_run < 12
    assert gens[0].token_ids == gens[3].token_ids  # same prompt, greedy, different batch rows
    # a second event loop gets a fresh worker
    assert asyncio.run(main())[1].token_ids == gens[1].token_ids


def test_tiny_model_rollout_on_math(policy: TransformersPolicy, chat_format: Any) -> None:
    eng = RolloutEngine(
        "agent_rl/Math-v0",
        policy,
        chat_format,
        RolloutLimits(max_turns=2, max_tokens_per_turn=24),
        sampling=SamplingParams(temperature=1.0, seed=0),
        concurrency=8,
    )
    trajs = eng.run(n=4, group_size=2)
    summary = RolloutSummary.of(trajs)
    assert summary.failed == 0, summary.errors
    for t in trajs:
        assert t.termination in {"terminated", "max_tokens", "max_turns"}
        assert len(t.loss_mask) == len(t.logprobs) == len(t.response_ids) > 0
        assert all(lp <= 0.0 for lp, m in zip(t.logprobs, t.loss_mask, strict=True) if m)
        assert any(lp < 0.0 for lp in t.logprobs)
        if t.termination == "terminated" and not t.info.get("parse_errors"):
            full_conversation_check(chat_format, t)
