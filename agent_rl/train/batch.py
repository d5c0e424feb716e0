"""Token sequences to padded tensors, and per-token logprobs/entropy/values from a model.

One layout serves RL, SFT and DPO: prompts left-padded and responses right-padded, so every
response starts at the same column (verl's layout) and the response slice of the logits is a
plain slice. The loss mask travels with the response ids unchanged: it is the trajectory's (or
the chat format's) mask, so environment tokens are never trained.

Shared prefix: agent prompts start with the same long system prompt and tool specs (about
240 of 300 tokens on the calculator env). `make_batch` cuts the longest common prefix of all
prompts out; `forward` runs it once, repeats its KV cache over the batch and runs only the
suffixes (the idea of verl's `use_prefix_grouper`). Gradients flow through the shared prefix,
so losses and gradients equal the plain layout's (checked by the tests) at a fraction of the
cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from agent_rl.errors import DataError


@dataclass
class SequenceBatch:
    """Padded tensors for a list of (prompt, response, mask) sequences.

    `input_ids` holds what follows the shared `prefix_ids` (empty when not sharing); positions
    count from the start of the prefix.
    """

    input_ids: torch.Tensor  # (B, P + R)
    attention_mask: torch.Tensor  # (B, P + R)
    position_ids: torch.Tensor  # (B, P + R)
    responses: torch.Tensor  # (B, R)
    response_mask: torch.Tensor  # (B, R) float: 1 = trained token
    prompt_width: int
    prefix_ids: torch.Tensor | None = None  # (S,) shared by every row

    @property
    def size(self) -> int:
        return int(self.input_ids.shape[0])

    def select(self, index: Sequence[int] | torch.Tensor) -> SequenceBatch:
        idx = torch.as_tensor(index, dtype=torch.long)
        return SequenceBatch(
            self.input_ids[idx],
            self.attention_mask[idx],
            self.position_ids[idx],
            self.responses[idx],
            self.response_mask[idx],
            self.prompt_width,
            self.prefix_ids,
        )

    def to(self, device: torch.device | str) -> SequenceBatch:
        return SequenceBatch(
            self.input_ids.to(device),
            self.attention_mask.to(device),
            self.position_ids.to(device),
            self.responses.to(device),
            self.response_mask.to(device),
            self.prompt_width,
            None if self.prefix_ids is None else self.prefix_ids.to(device),
        )


def make_batch(
    prompts: Sequence[Sequence[int]],
    responses: Sequence[Sequence[int]],
    masks: Sequence[Sequence[int]],
    pad_token_id: int = 0,
    share_prefix: bool = True,
) -> SequenceBatch:
    """Left-pad prompts, right-pad responses (and their masks) into one batch; with
    `share_prefix` the prompts' longest common prefix goes to `prefix_ids`."""
    if not (len(prompts) == len(responses) == len(masks)) or not prompts:
        raise DataError(
            f"need equally many prompts, responses and masks (got {len(prompts)}, "
            f"{len(responses)}, {len(masks)})"
        )
    for i, (p, r, m) in enumerate(zip(prompts, responses, masks, strict=True)):
        if len(r) != len(m):
            raise DataError(f"sequence {i}: {len(r)} response ids but {len(m)} mask entries")
        if not p:
            raise DataError(f"sequence {i}: empty prompt (need at least one token)")
    shared = _common_prefix(prompts) if share_prefix else 0
    prefix = list(prompts[0][:shared])
    prompts = [p[shared:] for p in prompts]
    b = len(prompts)
    pw = max(len(p) for p in prompts)
    rw = max(1, max(len(r) for r in responses))
    ids = torch.full((b, pw + rw), pad_token_id, dtype=torch.long)
    attn = torch.zeros((b, pw + rw), dtype=torch.long)
    resp = torch.full((b, rw), pad_token_id, dtype=torch.long)
    rmask = torch.zeros((b, rw), dtype=torch.float32)
    for i, (p, r, m) in enumerate(zip(prompts, responses, masks, strict=True)):
        ids[i, pw - len(p) : pw] = torch.tensor(p, dtype=torch.long)
        attn[i, pw - len(p) : pw] = 1
        if r:
            ids[i, pw : pw + len(r)] = torch.tensor(r, dtype=torch.long)
            attn[i, pw : pw + len(r)] = 1
            resp[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            rmask[i, : len(m)] = torch.tensor(m, dtype=torch.float32)
    positions = (attn.cumsum(-1) - 1).clamp(min=0) + shared
    prefix_t = torch.tensor(prefix, dtype=torch.long) if shared else None
    return SequenceBatch(ids, attn, positions, resp, rmask, pw, prefix_t)


def _common_prefix(prompts: Sequence[Sequence[int]], min_share: int = 16) -> int:
    """Length of the prompts' common prefix, leaving every prompt at least one own token
    (0 when too short to be worth a separate pass)."""
    first = prompts[0]
    n = min(len(p) for p in prompts) - 1
    for p in prompts[1:]:
        k = 0
        limit = min(n, len(p))
        while k < limit and p[k] == first[k]:
            k += 1
        n = k
        if n < min_share:
            return 0
    return n if n >= min_share else 0


def sft_batch(
    sequences: Sequence[Sequence[int]], masks: Sequence[Sequence[int]], pad_token_id: int = 0
) -> SequenceBatch:
    """Whole sequences with a per-token mask (the mask of token t decides whether t is
    predicted): everything before the first trained token is the prompt."""
    cuts = [
        max(1, list(m).index(1)) if 1 in m else max(1, len(s))
        for s, m in zip(sequences, masks, strict=True)
    ]
    return make_batch(
        [list(s[:c]) for s, c in zip(sequences, cuts, strict=True)],
        [list(s[c:]) for s, c in zip(sequences, cuts, strict=True)],
        [list(m[c:]) for m, c in zip(masks, cuts, strict=True)],
        pad_token_id,
    )


@dataclass
class ForwardOut:
    logprobs: torch.Tensor  # (B, R) float32
    entropy: torch.Tensor | None  # (B, R)
    values: torch.Tensor | None  # (B, R)


def forward(
    model: torch.nn.Module,
    batch: SequenceBatch,
    *,
    entropy: bool = False,
    values: bool = False,
    temperature: float = 1.0,
) -> ForwardOut:
    """Logprob of every response token (given everything before it), optionally entropy and
    the value head's estimate, all aligned with `batch.responses`."""
    from agent_rl.train.algos import entropy_from_logits, logprobs_from_logits

    want_hidden = values
    attn = batch.attention_mask
    past = None
    if batch.prefix_ids is not None and batch.prefix_ids.numel():
        s = int(batch.prefix_ids.numel())
        past = model(input_ids=batch.prefix_ids[None, :], use_cache=True).past_key_values
        past.batch_repeat_interleave(batch.size)
        attn = torch.cat(
            [torch.ones((batch.size, s), dtype=attn.dtype, device=attn.device), attn], 1
        )
    out = model(
        input_ids=batch.input_ids,
        attention_mask=attn,
        position_ids=batch.position_ids,
        past_key_values=past,
        use_cache=False,
        output_hidden_states=want_hidden,
    )
    rw = batch.responses.shape[1]
    start = batch.prompt_width - 1
    logits = out.logits[:, start : start + rw, :].float()
    if temperature != 1.0:
        logits = logits / temperature
    logprobs = logprobs_from_logits(logits, batch.responses)
    ent = entropy_from_logits(logits) if entropy else None
    vals = None
    if values:
        head = getattr(model, "value_head", None)
        if head is None:
            raise DataError("values requested from a model without a value head")
        hidden = out.hidden_states[-1][:, start : start + rw, :]
        vals = head(hidden.to(head.weight.dtype)).squeeze(-1).float()
    return ForwardOut(logprobs, ent, vals)
