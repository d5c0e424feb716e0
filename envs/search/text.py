"""Text rules shared by retrieval and scoring: one tokenizer, one normalisation, EM and token F1.

Normalisation (answers and retrieval alike), in this order:
1. Unicode NFKC (full-width letters, digits and punctuation become their ASCII forms);
2. lower case;
3. every character in a Unicode punctuation or symbol category is deleted (ASCII and CJK
   punctuation: `。，、？！“”（）《》` and so on), as SQuAD's script deletes ASCII
   punctuation (`1,987` -> `1987`); retrieval splits words there instead (`split_punctuation`);
4. the English articles `a`, `an`, `the` are dropped (as in SQuAD's evaluation script);
5. whitespace is collapsed.

Empty against empty scores 1 (SQuAD v2.0; v1.1 gave 0). Tokens: each CJK ideograph (and kana, hangul syllable) is one token, since Chinese is written
without spaces; runs of other letters and digits are split on whitespace. So English answers
are scored as SQuAD does (word F1, tests/envs/search/test_text.py checks it against SQuAD's
own functions) and Chinese answers by bag-of-characters F1 (CMRC 2018 segments the same way
but scores the longest common substring instead).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_ARTICLES = frozenset({"a", "an", "the"})
_CJK = (
    r"\u3040-\u30ff"  # hiragana, katakana
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    r"\uac00-\ud7af"  # hangul syllables
)
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def _strip_punctuation(text: str, replacement: str) -> str:
    return "".join(replacement if unicodedata.category(ch)[0] in "PS" else ch for ch in text)


def normalize(text: str) -> str:
    """The normalised form of `text` (see the module docstring); tokens joined by one space."""
    return " ".join(tokens(text))


def tokens(text: str, *, drop_articles: bool = True, split_punctuation: bool = False) -> list[str]:
    """Normalised tokens of `text`: CJK characters one by one, other words whole.

    `split_punctuation` turns punctuation into a word break instead of deleting it (for
    retrieval, where `founder's` should still match `founder`).
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _strip_punctuation(text, " " if split_punctuation else "")
    out = _TOKEN_RE.findall(text)
    if drop_articles:
        out = [t for t in out if t not in _ARTICLES]
    return out


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the normalised strings are equal (both empty counts as a match)."""
    return float(normalize(prediction) == normalize(gold))


def token_f1(prediction: str, gold: str) -> float:
    """Harmonic mean of token precision and recall (multiset overlap), as SQuAD computes it."""
    pred, ref = tokens(prediction), tokens(gold)
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_match(prediction: str, golds: Iterable[str]) -> tuple[float, float]:
    """(EM, F1) of `prediction` against its best gold alias (the maximum of each)."""
    em = f1 = 0.0
    for gold in golds:
        em = max(em, exact_match(prediction, gold))
        f1 = max(f1, token_f1(prediction, gold))
    return em, f1
