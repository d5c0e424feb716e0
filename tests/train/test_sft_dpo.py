from __future__ import annotations

import json

import pytest
import torch

from agent_rl.errors import DataError
from agent_rl.train.config import load_config
from agent_rl.train.data import detect_source, load_examples, load_pairs, load_tokenized
from agent_rl.train.dpo import dpo_loss, preference_margin, train_dpo
from agent_rl.train.modeling import frozen_copy
from agent_rl.train.sft import sft_loss, train_sft


def _conv(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def test_sft_lowers_loss_on_a_fixed_batch(tiny, tmp_path):
    make, tok, cf = tiny
    model = make()
    data = tmp_path / "conv.jsonl"
    data.write_text(
        "".join(
            json.dumps(_conv(f"What is {i} + {i}?", f"It is {2 * i}.")) + "\n" for i in range(8)
        )
    )
    examples = load_examples("auto", [str(data)], cf)
    assert len(examples) == 8
    seqs, masks = [e.input_ids for e in examples], [e.loss_mask for e in examples]
    with torch.no_grad():
        before = float(sft_loss(model, seqs, masks, tok.pad_token_id)[0])
    cfg = load_config(
        None,
        [
            f"output_dir={tmp_path}",
            "stages=sft",
            "sft.source=conversations",
            f"sft.data={data}",
            "sft.steps=8",
            "sft.batch_size=8",
            "sft.lr=3e-3",
            "sft.warmup_steps=0",
            "tensorboard=false",
            "checkpoint.every=4",
        ],
    )
    last = train_sft(cfg, model, tok, examples, tmp_path / "sft")
    with torch.no_grad():
        after = float(sft_loss(model, seqs, masks, tok.pad_token_id)[0])
    assert after < before * 0.7, (before, after)
    assert last["sft/loss"] < before
    lines = (tmp_path / "sft" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == list(range(1, 9))
    assert (
        tmp_path / "sft" / "checkpoints" / "step_000008" / "model" / "model.safetensors"
    ).is_file()
    assert (tmp_path / "sft" / "plots" / "sft_loss.png").is_file()


def test_tokenized_file_errors_name_file_line_and_key(tmp_path):
    f = tmp_path / "tok.jsonl"
    f.write_text(
        json.dumps({"input_ids": [1, 2, 3], "loss_mask": [0, 1, 1]})
        + "\n"
        + json.dumps({"input_ids": [1, 2], "loss_mask": [0]})
        + "\n"
    )
    with pytest.raises(DataError) as e:
        load_tokenized(f)
    assert f"{f}:2" in str(e.value) and "loss_mask" in str(e.value)
    f.write_text('{"input_ids": [1, 2], "loss_mask": [0, 1]}\nnot json\n')
    with pytest.raises(DataError, match=r"tok\.jsonl:2"):
        load_tokenized(f)
    f.write_text('{"input_ids": [1, 2], "loss_mask": [0, 1]}\n')
    assert detect_source(f) == "tokenized"
    assert load_tokenized(f)[0].loss_mask == [0, 1]


def _pairs_file(tmp_path):
    rows = []
    for i in range(6):
        q = f"Is {i} even?"
        good, bad = ("yes", "no") if i % 2 == 0 else ("no", "yes")
        rows.append(
            {
                "prompt": [{"role": "user", "content": q}],
                "chosen": [{"role": "assistant", "content": f"The answer is {good}."}],
                "rejected": [{"role": "assistant", "content": f"The answer is {bad}."}],
            }
        )
    f = tmp_path / "pairs.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return f


def test_dpo_raises_the_margin(tiny, tmp_path):
    make, tok, cf = tiny
    model = make()
    pairs = load_pairs(_pairs_file(tmp_path), cf)
    assert len(pairs) == 6 and all(p.prompt_ids and any(p.chosen_mask) for p in pairs)
    ref = frozen_copy(model)
    assert preference_margin(model, ref, pairs, 0.1, tok.pad_token_id) == pytest.approx(
        0.0, abs=1e-5
    )
    cfg = load_config(
        None,
        [
            f"output_dir={tmp_path}",
            "dpo.steps=10",
            "dpo.batch_size=6",
            "dpo.lr=1e-3",
            "dpo.warmup_steps=0",
            "tensorboard=false",
            "checkpoint.every=5",
        ],
    )
    last = train_dpo(cfg, model, tok, pairs, tmp_path / "dpo")
    margin = preference_margin(model, ref, pairs, 0.1, tok.pad_token_id)
    assert margin > 0.1, margin
    assert last["dpo/accuracy"] > 0.5
    recs = [json.loads(x) for x in (tmp_path / "dpo" / "metrics.jsonl").read_text().splitlines()]
    assert recs[-1]["dpo/margin"] > recs[0]["dpo/margin"]


def test_dpo_loss_formula():
    pc, pr = torch.tensor([-1.0]), torch.tensor([-3.0])
    loss, rc, rr = dpo_loss(pc, pr, torch.tensor([-2.0]), torch.tensor([-2.0]), beta=0.5)
    # margin = 0.5 * ((−1+2) − (−3+2)) = 1.0
    assert float(rc - rr) == pytest.approx(1.0)
    assert float(loss) == pytest.approx(float(-torch.nn.functional.logsigmoid(torch.tensor(1.0))))


def test_pairs_must_share_a_prompt(tiny, tmp_path):
    _, _, cf = tiny
    f = tmp_path / "p.jsonl"
    f.write_text(
        json.dumps({"chosen": [], "rejected": [{"role": "assistant", "content": "x"}]}) + "\n"
    )
    with pytest.raises(DataError, match=r"p\.jsonl:1.*chosen"):
        load_pairs(f, cf)
