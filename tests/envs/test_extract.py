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
