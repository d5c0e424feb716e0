"""One conversation encoder (issue 9, the bug): a weight-0 turn gets mask 0 on every path into
training, and every path reads thinking mode from the same place."""

from __future__ import annotations

import json

import pytest

from agent_rl.chat_format import get_chat_format
from agent_rl.chat_format.special_tokens import EOS

MESSAGES = [
    {"role": "user", "content": "first question"},
    {"role": "assistant", "content": "DO NOT TRAIN", "weight": 0},
    {"role": "user", "content": "second question"},
    {"role": "assistant", "content": "train me", "reasoning_content": "because"},
]


def trained_text(cf, ids, mask):
    return cf.decode([t for t, m in zip(ids, mask, strict=True) if m])


@pytest.fixture(scope="module", params=["deepseek_v31", "hf"])
def cf(request):
    if request.param == "hf":
        return get_chat_format("hf", tokenizer=get_chat_format().tokenizer)
    return get_chat_format()


def test_chat_format_encode_honours_weight_0(cf):
    enc = cf.encode(MESSAGES)
    assert "DO NOT TRAIN" not in trained_text(cf, enc.input_ids, enc.loss_mask)
    assert "train me" in trained_text(cf, enc.input_ids, enc.loss_mask)


def test_every_path_into_training_masks_a_weight_0_turn(tmp_path, cf):
    from agent_rl.sft_data.encode import make_encoder

    from agent_rl.train.data import load_examples, load_pairs

    record = {"id": "r", "messages": MESSAGES, "tools": [], "meta": {"thinking": True}}
    conv = tmp_path / "conv.jsonl"
    conv.write_text(json.dumps(record) + "\n")
    sample = make_encoder(cf)(record)
    (example,) = load_examples("conversations", [str(conv)], cf)  # train sft --source conversations
    (auto,) = load_examples("auto", [str(conv)], cf)
    for ids, mask in (
        (sample["input_ids"], sample["loss_mask"]),
        (example.input_ids, example.loss_mask),
        (auto.input_ids, auto.loss_mask),
    ):
        text = trained_text(cf, ids, mask)
        assert "DO NOT TRAIN" not in text and "train me" in text
    # The same ids and mask on both paths, thinking mode from meta.thinking on both.
    assert (example.input_ids, example.loss_mask) == (sample["input_ids"], sample["loss_mask"])
    assert sample["thinking"] is True
    # DPO: a weight-0 turn in the shared history is never a target.
    pairs = tmp_path / "pairs.jsonl"
    pair = {
        "prompt": MESSAGES[:3],
        "chosen": [{"role": "assistant", "content": "good"}],
        "rejected": [{"role": "assistant", "content": "bad"}],
    }
    pairs.write_text(json.dumps(pair) + "\n")
    (p,) = load_pairs(pairs, cf)
    assert trained_text(cf, p.chosen_ids, p.chosen_mask).startswith("good")
    assert "DO NOT TRAIN" in cf.decode(p.prompt_ids)


def test_thinking_is_read_from_meta_and_from_the_top_level_alike():
    from agent_rl.chat_format.conversation import record_thinking

    assert record_thinking({"meta": {"thinking": True}}) is True
    assert record_thinking({"thinking": True}) is True
    assert record_thinking({"meta": {"thinking": False}, "thinking": True}) is False
    assert record_thinking({}) is False


def test_weight_0_everywhere_trains_nothing_and_ends_at_eos():
    cf = get_chat_format()
    msgs = [MESSAGES[0], MESSAGES[1]]
    enc = cf.encode(msgs)
    assert sum(enc.loss_mask) == 0
    assert cf.decode(enc.input_ids).endswith(EOS)


def test_train_sft_cli_with_source_conversations_never_trains_a_weight_0_turn(
    tmp_path, monkeypatch
):
    """The real `agent-rl train sft --source conversations` path, with a spy on what it loads."""
    from typer.testing import CliRunner

    import agent_rl.train.sft as sft_module
    from agent_rl.cli.train import app

    seen = []
    real = sft_module.load_examples

    def spy(source, files, chat_format):
        examples = real(source, files, chat_format)
        seen.append((source, chat_format, examples))
        return examples

    monkeypatch.setattr(sft_module, "load_examples", spy)
    data = tmp_path / "conv.jsonl"
    data.write_text(json.dumps({"messages": MESSAGES}) + "\n")
    out = tmp_path / "run"
    args = ["sft", "--data", str(data), "--source", "conversations", "--steps", "1"]
    args += ["--out", str(out), "--set", "sft.batch_size=1", "--set", "tensorboard=false"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    ((source, cf, examples),) = seen
    assert source == "conversations"
    (ex,) = examples
    text = trained_text(cf, ex.input_ids, ex.loss_mask)
    assert "DO NOT TRAIN" not in text and "train me" in text


def test_preference_pairs_read_thinking_mode_like_every_other_record(tmp_path, cf):
    """A pair with `meta.thinking: true` is rendered in thinking mode, exactly as the same
    conversation through the SFT path (it used to read only a top-level `thinking`)."""
    from agent_rl.train.data import encode_conversation, load_pairs

    prompt = [{"role": "user", "content": "q"}]
    chosen = [{"role": "assistant", "content": "good", "reasoning_content": "think first"}]
    rejected = [{"role": "assistant", "content": "bad", "reasoning_content": "no"}]
    for meta_key in ({"meta": {"thinking": True}}, {"thinking": True}):
        path = tmp_path / "pairs.jsonl"
        path.write_text(json.dumps({"prompt": prompt, "chosen": chosen, "rejected": rejected,
                                    **meta_key}) + "\n")
        (pair,) = load_pairs(path, cf)
        whole = encode_conversation(cf, {"messages": prompt + chosen, **meta_key})
        assert pair.prompt_ids + pair.chosen_ids == whole.input_ids
