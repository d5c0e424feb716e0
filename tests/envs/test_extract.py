from __future__ import annotations

import pytest
from agent_rl.envs.math.extract import extract_answer, gsm8k_gold, last_boxed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}"),
        ("first \\boxed{1} then \\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
        ("nested \\boxed{\\sqrt{\\frac{a}{b^{2}}}} end", "\\sqrt{\\frac{a}{b^{2}}}"),
        ("\\fbox{7}", "7"),
        ("work\n#### 1,234", "1,234"),
        ("work\n####  $42.", "42"),
        ("steps\nAnswer: 17", "17"),
        ("steps\n**Final Answer:** \\(x+1\\)", "x+1"),
        ("The answer is 9.", "9"),
        ("\\boxed{unclosed", None),
        ("no answer here", None),
        ("answer: 3 is mentioned early\nbut the reply goes on", None),
        ("", None),
        (None, None),
    ],
)
def test_extract_answer(text: str | None, expected: str | None) -> None:
    assert extract_answer(text) == expected


def test_boxed_wins_over_hashes_and_last_boxed_handles_escaped_braces() -> None:
    assert extract_answer("\\boxed{5}\n#### 6") == "5"
    assert last_boxed("\\boxed{a\\}b}") == "a\\}b"


def test_gsm8k_gold() -> None:
    assert gsm8k_gold("3 + 4 = 7\n#### 1,007") == "1007"
    assert gsm8k_gold("no marker") is None


# -- linear time on hostile replies, identical verdicts on everything else (issue 11, item 6) --

import random  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402

from agent_rl.envs.math import extract as extract_module  # noqa: E402

# The implementations before the fix, kept as the reference the linear ones must agree with.
_OLD_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
_OLD_HASH_RE = re.compile(r"^[ \t]*####[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_OLD_ANSWER_RE = re.compile(
    r"(?:^|\n)[ \t*#]*(?:final answer|answer|the (?:final )?answer is)[ \t*]*[:：]?[ \t*]*(.+?)[ \t*]*$",
    re.IGNORECASE,
)


def _old_last_boxed(text: str) -> str | None:
    found = None
    for match in _OLD_BOX_RE.finditer(text):
        depth, start = 1, match.end()
        i = start
        while i < len(text) and depth:
            char = text[i]
            if char == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            i += 1
        if depth == 0:
            found = text[start : i - 1].strip()
    return found


_PIECES = ["\\boxed{", "\\fbox {", "\\boxed", "{", "}", "\\{", "\\}", "\\", "\\\\", "x", "12",
           " ", "\t", "*", "\n", "####", "Answer:", "answer", "The answer is", "Final Answer",
           ":", "：", "$", "#", ",", ".", "\r", "a\\}b", "\\frac{1}{2}"]


def _random_texts(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30)))
            for _ in range(count)]


def test_linear_extraction_agrees_with_the_old_one_on_random_and_normal_texts() -> None:
    normal = [
        "so \\boxed{\\frac{1}{2}}.", "first \\boxed{1} then \\boxed{\\{1, 2\\}}",
        "\\boxed{\\boxed{1}}", "\\boxed{a}\\boxed{b", "\\boxed{a\\\\}b}", "#### 5 \t", "####",
        "#### \t ", "x\n####  1,234  \n#### 7\r\n", "Answer:", "Answer: **", "answer: *5* ",
        "The final answer is 3\nok", "**Final Answer:** \\(x+1\\)", "Answer::", "answer ：12",
    ]
    for text in normal + _random_texts(20_000):
        assert extract_module.last_boxed(text) == _old_last_boxed(text), repr(text)
        assert extract_module._HASH_RE.findall(text) == _OLD_HASH_RE.findall(text), repr(text)
        stripped = text.rstrip()
        assert (extract_module._ANSWER_RE.findall(stripped)
                == _OLD_ANSWER_RE.findall(stripped)), repr(text)


def _finishes(fn, text: str, bound: float = 10.0) -> bool:
    """Whether fn(text) returns within `bound` seconds (a hang detector, not a speed test:
    the quadratic versions took minutes on these inputs)."""
    done = threading.Event()

    def run() -> None:
        fn(text)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(bound)


@pytest.mark.parametrize("text", [
    "\\boxed{" * 10_000,  # 70 KB: 109 s before
    "\\boxed{x" + "{" * 70_000,
    "answer: x" + "* " * 35_000 + "y",
    "answer" + "*" * 70_000 + "x\nfoo",
    "#### 1" + " " * 70_000 + "x",
    ("#### 1" + " " * 500 + "x\n") * 140,
], ids=["boxes", "open-braces", "answer-stars", "answer-run", "hash-spaces", "hash-lines"])
def test_extraction_is_linear_on_hostile_replies(text: str) -> None:
    assert _finishes(extract_answer, text)
    assert _finishes(gsm8k_gold, text)
