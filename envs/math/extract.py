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
# Linear-time patterns (a reply is model output: 70 KB of `\\boxed{` or of spaces must cost
# milliseconds). The value group ends at the line's last character that is not trailing
# padding, which is what a lazy `(.+?)[ \t]*$` found by retrying at every position (quadratic);
# a value of padding alone is one character, as before. `_ANSWER_RE` only looks at the last
# line (its `$` is the end of the text), so the lookahead skips every other line at once.
_HASH_RE = re.compile(r"^[ \t]*####[ \t]*([^\n]*[^ \t\n]|[ \t])[ \t]*$", re.MULTILINE)
_ANSWER_RE = re.compile(
    r"(?:^|\n)(?=[^\n]*\n?\Z)[ \t*#]*(?:final answer|answer|the (?:final )?answer is)"
    r"[ \t*]*[:：]?[ \t*]*([^\n]*[^ \t*\n]|[ \t*])[ \t*]*$",
    re.IGNORECASE,
)
_BRACE_RE = re.compile(r"\\[{}]|[{}]")


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` with balanced braces, or None (also if unclosed).

    "Last" is the box that starts last among those that close. One pass matches every brace
    from the first box on (escaped `\\{`, `\\}` do not count), so the time is linear in the
    text; scanning ahead from each box start was quadratic on a reply of unclosed boxes.
    """
    boxes = {m.end() - 1: m.end() for m in _BOX_RE.finditer(text)}  # its "{" -> content start
    if not boxes:
        return None
    open_at: list[int | None] = []  # for each open brace: the content start of a box, or None
    best: tuple[int, int] | None = None
    for match in _BRACE_RE.finditer(text, min(boxes)):
        token = match.group()
        if token == "{":
            open_at.append(boxes.get(match.start()))
        elif token == "}" and open_at:
            start = open_at.pop()
            if start is not None and (best is None or start > best[0]):
                best = (start, match.start())
    return text[best[0] : best[1]].strip() if best else None


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
