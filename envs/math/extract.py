"""Find the final answer in a model's reply: the one place that knows the answer formats.

Formats, in the order they are tried (the last occurrence of each wins, because models restate
their answer at the end):

1. `\\boxed{...}` (also `\\fbox{...}`), with nested braces: `\\boxed{\\frac{1}{2}}`;
2. GSM8K's `#### N` line;
3. a final `Answer: ...` / `Final answer: ...` / `The answer is ...` line.

Example:
    >>> extract_answer("so x = 2, giving \\\\boxed{\\\\frac{1}{2}}.")
    '\\\\frac{1}{2}'
    >>> extract_answer("3 + 4 = 7\\n#### 7")
    '7'
"""

from __future__ import annotations

import re

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
_HASH_RE = re.compile(r"^[ \t]*####[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_ANSWER_RE = re.compile(
    r"(?:^|\n)[ \t*#]*(?:final answer|answer|the (?:final )?answer is)[ \t*]*[:：]?[ \t*]*(.+?)[ \t*]*$",
    re.IGNORECASE,
)


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` with balanced braces, or None (also if unclosed)."""
    found = None
    for match in _BOX_RE.finditer(text):
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


def clean_number(text: str) -> str:
    """Strip what surrounds a plain final answer: `$`, a trailing period, `\\(`...`\\)`."""
    text = text.strip()
    for left, right in (("\\(", "\\)"), ("\\[", "\\]"), ("$", "$")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right):
            text = text[len(left) : -len(right)].strip()
    text = text.replace("\\$", "").strip()
    if text.startswith("$") and text[1:2].isdigit():
        text = text[1:]
    return text.rstrip(".").strip()


_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")


def last_number(text: str) -> str | None:
    """The last number in `text` (commas dropped), as verl's gsm8k flexible scorer takes it."""
    found = None
    for match in _NUMBER_RE.finditer(text):
        found = match
    return found.group(0).replace(",", "") if found else None


def extract_answer(text: str | None, mode: str = "strict") -> str | None:
    """The final answer in `text`, or None when no supported format is present.

    `mode="strict"` accepts only the formats above; `"flexible"` falls back to the last
    number in the reply (see `agent_rl.envs.ExtractionMode`).
    """
    if mode not in ("strict", "flexible"):
        raise ValueError(f"unknown extraction mode {mode!r}; use 'strict' or 'flexible'")
    if not text:
        return None
    strict = _extract_strict(text)
    if strict is not None or mode == "strict":
        return strict
    return last_number(text)


def _extract_strict(text: str) -> str | None:
    boxed = last_boxed(text)
    if boxed:
        return boxed
    hashes = _HASH_RE.findall(text)
    if hashes:
        return clean_number(hashes[-1]) or None
    lines = _ANSWER_RE.findall(text.rstrip())
    if lines:
        return clean_number(lines[-1]) or None
    return None


def gsm8k_gold(solution: str) -> str | None:
    """The value after `####` in a GSM8K `answer` field (commas removed), or None."""
    hashes = _HASH_RE.findall(solution)
    return hashes[-1].replace(",", "").strip() if hashes else None
