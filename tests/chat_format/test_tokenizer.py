"""The embedded tiny tokenizer: special tokens, digits, unicode, determinism, caching."""

from __future__ import annotations

import json

import pytest

from agent_rl.chat_format import build_tiny_tokenizer, load_tokenizer, tiny_tokenizer_path
from agent_rl.chat_format.special_tokens import BOS, EOS, PAD, V31_SPECIAL_TOKENS
from agent_rl.errors import ConfigError


@pytest.fixture(scope="module")
def tok():
    return build_tiny_tokenizer()


def test_every_v31_special_token_is_one_id(tok):
    ids = [tok.encode(t, add_special_tokens=False) for t in V31_SPECIAL_TOKENS]
    assert all(len(i) == 1 for i in ids), dict(zip(V31_SPECIAL_TOKENS, ids, strict=True))
    assert len({i[0] for i in ids}) == len(V31_SPECIAL_TOKENS)
    assert (tok.bos_token, tok.eos_token, tok.pad_token) == (BOS, EOS, PAD)
    assert (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id) == (0, 1, 2)
    # Glued to text, they still come out as their own ids.
    ids = tok.encode(f"x{EOS}y<think>z</think>", add_special_tokens=False)
    assert tok.convert_ids_to_tokens(ids).count(EOS) == 1
    assert "<think>" in tok.convert_ids_to_tokens(ids) and "</think>" in tok.convert_ids_to_tokens(
        ids
    )


def test_digits_are_split_one_by_one(tok):
    pieces = tok.tokenize("12345 + 678 = 13023")
    digits = [p for p in pieces if any(c.isdigit() for c in p)]
    assert digits and all(len(p) == 1 for p in digits), pieces


@pytest.mark.parametrize(
    "text",
    [
        "Zürich 你好，世界！ 🙂🌤 naïve café",
        "  two  spaces\n\ttab",
        "\\boxed{\\frac{1}{2}}",
        "Ω≈ç√∫˜µ≤≥÷",
        "",
    ],
)
def test_unicode_round_trip(tok, text):
    ids = tok.encode(text, add_special_tokens=False)
    assert tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False) == text


def test_small_vocab_and_common_words_merge(tok):
    assert 1000 < len(tok) <= 4096
    assert len(tok.tokenize(" the answer is")) == 3
    assert tok.chat_template and "<｜Assistant｜>" in tok.chat_template


def test_build_is_deterministic(tok):
    from agent_rl.chat_format.tokenizer import _train_backend

    fresh = json.loads(_train_backend().to_str())
    cached = json.loads((tiny_tokenizer_path() / "tokenizer.json").read_text(encoding="utf-8"))
    assert fresh["model"]["vocab"] == cached["model"]["vocab"]
    assert fresh["model"]["merges"] == cached["model"]["merges"]


def test_load_tokenizer_paths(tok, tmp_path):
    assert load_tokenizer("tiny").get_vocab() == tok.get_vocab()
    tok.save_pretrained(str(tmp_path / "copy"))
    assert load_tokenizer(tmp_path / "copy").get_vocab() == tok.get_vocab()
    with pytest.raises(ConfigError, match="no tokenizer at"):
        load_tokenizer(tmp_path / "missing")
