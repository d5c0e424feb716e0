"""The masks training uses are the chat format's / the trajectory's, token for token, and the
shared-prefix forward gives the same logprobs and gradients as the plain one."""

from __future__ import annotations

import random

import torch

from agent_rl.train.batch import forward, make_batch, sft_batch
from agent_rl.train.data import encode_conversation, trajectory_example

CONV = {
    "messages": [
        {"role": "system", "content": "Use the calculator."},
        {"role": "user", "content": "What is 12 * 34?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "calculator", "arguments": '{"expression": "12 * 34"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "408"},
        {"role": "assistant", "content": "The result is \\boxed{408}."},
    ]
}


def _trained_ids(batch, row):
    m = batch.response_mask[row].bool()
    return batch.responses[row][m].tolist()


def test_sft_mask_equals_chat_format_mask(tiny):
    _, tok, cf = tiny
    enc = cf.encode(CONV["messages"])
    ex = encode_conversation(cf, CONV)
    assert ex.input_ids == list(enc.input_ids) and ex.loss_mask == list(enc.loss_mask)
    other = encode_conversation(
        cf, {"messages": [CONV["messages"][1], {"role": "assistant", "content": "408"}]}
    )
    batch = sft_batch(
        [ex.input_ids, other.input_ids], [ex.loss_mask, other.loss_mask], tok.pad_token_id
    )
    for row, e in enumerate([ex, other]):
        want = [t for t, m in zip(e.input_ids, e.loss_mask, strict=True) if m]
        assert _trained_ids(batch, row) == want
    # tool output and user tokens are never targets
    tool_ids = tok.encode("408", add_special_tokens=False)
    assert sum(ex.loss_mask) < len(ex.loss_mask)
    assert len(tool_ids) > 0


def test_rl_mask_equals_trajectory_mask(tiny):
    """An oracle episode of the default env: the batch trains exactly the policy's tokens."""
    from agent_rl.rollout import OraclePolicy, RolloutEngine, RolloutLimits

    _, tok, cf = tiny
    engine = RolloutEngine(
        "agent_rl/Calculator-v0",
        OraclePolicy(cf),
        cf,
        RolloutLimits(max_turns=4, max_tokens_per_turn=64),
    )
    trajs = engine.run(seeds=[0, 1, 2])
    assert all(t.reward == 1.0 for t in trajs)
    assert all(0 in t.loss_mask for t in trajs), (
        "multi-turn: tool output tokens are in the response"
    )
    batch = make_batch(
        [t.prompt_ids for t in trajs],
        [t.response_ids for t in trajs],
        [t.loss_mask for t in trajs],
        tok.pad_token_id,
    )
    for row, t in enumerate(trajs):
        n = len(t.response_ids)
        assert batch.response_mask[row, :n].tolist() == [float(m) for m in t.loss_mask]
        assert batch.response_mask[row, n:].sum() == 0
        assert batch.responses[row, :n].tolist() == t.response_ids
    # ... and the same trajectory as SFT data keeps that mask (prompt untrained)
    ex = trajectory_example(trajs[0])
    assert ex.loss_mask == [0] * len(trajs[0].prompt_ids) + trajs[0].loss_mask
    # and it agrees with the chat format's own encoding of the finished conversation
    enc = cf.encode(trajs[0].messages, tools=trajs[0].tools)
    assert list(enc.input_ids) == ex.input_ids
    assert list(enc.loss_mask) == ex.loss_mask


def test_shared_prefix_forward_matches_plain(tiny):
    make, tok, _ = tiny
    model = make()
    rng = random.Random(0)
    system = [rng.randrange(10, 2000) for _ in range(40)]
    prompts = [
        system + [rng.randrange(10, 2000) for _ in range(rng.randint(2, 6))] for _ in range(4)
    ]
    resps = [[rng.randrange(10, 2000) for _ in range(rng.randint(3, 9))] for _ in range(4)]
    masks = [[rng.randint(0, 1) for _ in r] for r in resps]
    shared = make_batch(prompts, resps, masks, tok.pad_token_id, share_prefix=True)
    plain = make_batch(prompts, resps, masks, tok.pad_token_id, share_prefix=False)
    assert shared.prefix_ids is not None and shared.prefix_ids.numel() == 40
    assert plain.prefix_ids is None
    grads = []
    for b in (shared, plain):
        model.zero_grad()
        out = forward(model, b, entropy=True)
        (out.logprobs * b.response_mask).sum().backward()
        grads.append(model.model.embed_tokens.weight.grad.clone())
        b.out = out
    torch.testing.assert_close(
        shared.out.logprobs * shared.response_mask,
        plain.out.logprobs * plain.response_mask,
        atol=1e-4,
        rtol=1e-4,
    )
    torch.testing.assert_close(grads[0], grads[1], atol=1e-4, rtol=1e-3)
