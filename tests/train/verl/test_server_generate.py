"""`ServerGenerate`: verl's server-manager call as the episode's `generate` (keyword-only
arguments after `request_id`, verl's sampling keys kept, stop reasons mapped)."""

from __future__ import annotations

import asyncio

import pytest
from verl.workers.rollout.replica import TokenOutput

from agent_rl.rollout import GenerationContext, SamplingParams
from agent_rl.train.verl.agent_loop import ServerGenerate


class Recorder:
    def __init__(self, output: TokenOutput) -> None:
        self.output, self.calls = output, []

    async def generate(self, request_id, *, prompt_ids, sampling_params):  # keyword-only, as verl's
        self.calls.append((request_id, prompt_ids, dict(sampling_params)))
        return self.output


def _run(output: TokenOutput, params: SamplingParams):
    server = Recorder(output)
    gen = ServerGenerate(
        server, {"temperature": 0.7, "top_p": 0.9, "top_k": -1, "logprobs": True}, "req-1"
    )
    return asyncio.run(gen([1, 2, 3], params, GenerationContext())), server


def test_sampling_params_and_stop():
    params = SamplingParams(temperature=0.7, top_p=0.9, max_tokens=8, stop_token_ids=(9,), seed=5)
    gen, server = _run(
        TokenOutput(token_ids=[4, 9], log_probs=[-0.5, -0.25], stop_reason="completed"), params
    )
    (request_id, prompt, sp) = server.calls[0]
    assert request_id == "req-1" and prompt == [1, 2, 3]
    assert sp == {
        "temperature": 0.7,
        "top_p": 0.9,
        "top_k": -1,
        "logprobs": True,
        "max_tokens": 8,
        "stop_token_ids": [9],
        "seed": 5,
    }
    assert (gen.token_ids, gen.logprobs, gen.finish_reason) == ([4, 9], [-0.5, -0.25], "stop")


@pytest.mark.parametrize(
    ("ids", "reason", "finish"),
    [([4, 5, 6], "length", "length"), ([4, 5, 6], None, "length"), ([4], "stop", "stop")],
)
def test_finish_reasons(ids, reason, finish):
    params = SamplingParams(max_tokens=3, stop_token_ids=(9,))
    gen, _ = _run(TokenOutput(token_ids=ids, log_probs=None, stop_reason=reason), params)
    assert gen.finish_reason == finish and gen.logprobs is None


def test_aborted_request_is_a_backend_failure():
    with pytest.raises(RuntimeError, match="aborted"):
        _run(TokenOutput(token_ids=[], stop_reason="aborted"), SamplingParams(max_tokens=3))
