"""The vocabulary size that bounds generated ids is cached per tokenizer and never stale."""

from __future__ import annotations

from agent_rl.rollout.backends.base import vocab_size_of


class _Tok:
    def __init__(self, n: int) -> None:
        self.n, self.counted = n, 0

    def __len__(self) -> int:
        self.counted += 1
        return self.n


class _Format:
    def __init__(self, tok: _Tok) -> None:
        self.tokenizer = tok


def test_counted_once_then_recounted_when_an_id_reaches_the_cached_size() -> None:
    tok = _Tok(100)
    cf = _Format(tok)
    assert vocab_size_of(cf, [1, 99]) == 100 and vocab_size_of(cf, [5]) == 100
    assert tok.counted == 1  # cached
    tok.n = 102  # two tokens added after the first generation
    assert vocab_size_of(cf, [101]) == 102 and tok.counted == 2  # a real new id is accepted
    assert vocab_size_of(cf, [500]) == 102 and tok.counted == 3  # a bad id is still caught
    assert vocab_size_of(_Format(None)) is None  # type: ignore[arg-type]
