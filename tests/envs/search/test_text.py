"""Normalisation, EM and token F1: SQuAD's official functions on English, characters for Chinese."""

from __future__ import annotations

import collections
import random
import re
import string

import pytest
from agent_rl.envs.search.text import best_match, exact_match, normalize, token_f1, tokens


# --- the reference: SQuAD v1.1's evaluate script (normalize_answer, f1_score, exact_match_score)
def squad_normalize(s: str) -> str:
    def remove_articles(text: str) -> str:
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text: str) -> str:
        return " ".join(text.split())

    def remove_punc(text: str) -> str:
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def squad_f1(prediction: str, ground_truth: str) -> float:
    prediction_tokens = squad_normalize(prediction).split()
    ground_truth_tokens = squad_normalize(ground_truth).split()
    common = collections.Counter(prediction_tokens) & collections.Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


CASES = [
    ("The Eiffel Tower", "eiffel tower"),
    ("1,987", "1987"),
    ("Kiix Belno.", "kiix belno"),
    ("an apple a day", "Apple day"),
    ("don't stop", "dont stop"),
    ("Jean-Luc  Picard", "jeanluc picard"),
    ("the the the", "the"),
    ("34 years old", "34"),
    ("Thea", "the a"),
    ("$5 (approx.)", "5 approx"),
    ("A", "a"),
    ("Orbra Trading in 1999", "Orbra Trading"),
]


def _perturb(rng: random.Random, text: str) -> str:
    ops = [
        lambda t: t.upper(),
        lambda t: t + rng.choice([".", "!", "?", " ...", ","]),
        lambda t: "the " + t,
        lambda t: t.replace(" ", "   "),
        lambda t: t + " " + rng.choice(["an", "a", "year", "is", "the"]),
        lambda t: t[: max(1, len(t) // 2)],
        lambda t: "'" + t + "'",
    ]
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(ops)(text)
    return text


@pytest.mark.parametrize(("pred", "gold"), CASES)
def test_agrees_with_squad_on_fixed_cases(pred: str, gold: str) -> None:
    assert exact_match(pred, gold) == float(squad_normalize(pred) == squad_normalize(gold))
    if not squad_normalize(pred) or not squad_normalize(gold):
        # v1.1 scores empty-vs-empty 0; we follow SQuAD v2.0 (1 when both are empty)
        assert token_f1(pred, gold) == float(squad_normalize(pred) == squad_normalize(gold))
    else:
        assert token_f1(pred, gold) == pytest.approx(squad_f1(pred, gold))


def test_agrees_with_squad_on_perturbed_answers() -> None:
    rng = random.Random(0)
    golds = [
        "Kiix Belno",
        "1987",
        "the 1894 Lojaos Festival",
        "an astronomer",
        "Orbra Trading",
        "34",
    ]
    for _ in range(500):
        gold = rng.choice(golds)
        pred = _perturb(rng, rng.choice([*golds, gold, gold]))
        assert exact_match(pred, gold) == float(squad_normalize(pred) == squad_normalize(gold)), (
            pred,
            gold,
        )
        if squad_normalize(pred) and squad_normalize(gold):
            assert token_f1(pred, gold) == pytest.approx(squad_f1(pred, gold)), (pred, gold)


def test_chinese_is_scored_by_characters() -> None:
    assert tokens("化学家。") == ["化", "学", "家"]
    assert exact_match("化学家", "化学家！") == 1.0
    assert token_f1("化学", "化学家") == pytest.approx(0.8)
    assert token_f1("34岁", "34") == pytest.approx(2 / 3)
    # full-width digits and punctuation fold to ASCII (NFKC)
    assert normalize("１９８７年。") == "1987 年"
    assert exact_match("Kiix Belno。", "kiix belno") == 1.0
    assert tokens("他是Kiix Belno的儿子") == ["他", "是", "kiix", "belno", "的", "儿", "子"]


def test_best_match_takes_the_best_alias() -> None:
    assert best_match("天文学家", ["astronomer", "天文学家"]) == (1.0, 1.0)
    assert best_match("nothing", ["astronomer"]) == (0.0, 0.0)
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0
