"""Reading an assistant reply: the answer, its cited doc ids, abstention and clarifying questions.

The protocol the system prompt teaches (and the oracle follows):
- an answer is the text after the last `Answer:` (or `答案：`) marker, cited doc ids in square
  brackets, e.g. `Answer: 1987 [person-0042]`; without a marker the whole reply is the answer;
- abstaining is answering one of `ABSTAIN_PHRASES` (after normalisation), e.g. `Answer: unknown`
  or `答案：无法回答`;
- a clarifying question is a reply without an answer marker that asks something (contains `?`
  or `？`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_rl.envs.search.text import normalize

ABSTAIN_PHRASES: frozenset[str] = frozenset(
    normalize(p)
    for p in (
        "unknown",
        "not found",
        "no answer",
        "cannot be answered",
        "cannot answer",
        "unanswerable",
        "not in the documents",
        "the documents do not say",
        "i do not know",
        "i don't know",
        "n/a",
        "无法回答",
        "不知道",
        "未知",
        "没有找到",
        "文档中没有",
    )
)
"""Normalised replies that count as abstaining (the whole answer must be one of them)."""

_MARKER_RE = re.compile(r"(?:\banswer\s*[:：]|答案\s*[:：])", re.IGNORECASE)
_CITATION_RE = re.compile(r"\[([A-Za-z0-9_.:\-]+)\]")


@dataclass(frozen=True)
class ParsedReply:
    """What a reply says, as the scorer reads it."""

    answer: str
    """The answer text without citations (the whole reply when there is no marker)."""
    citations: tuple[str, ...]
    """Doc ids cited in square brackets anywhere in the reply, in order, without repeats."""
    has_marker: bool
    abstained: bool
    asks_clarification: bool


def parse_reply(content: str | None) -> ParsedReply:
    """Split a reply into answer, citations and intent (see the module docstring)."""
    text = content or ""
    citations = tuple(dict.fromkeys(_CITATION_RE.findall(text)))
    markers = list(_MARKER_RE.finditer(text))
    has_marker = bool(markers)
    answer = text[markers[-1].end() :] if markers else text
    answer = _CITATION_RE.sub(" ", answer).strip()
    abstained = normalize(answer) in ABSTAIN_PHRASES
    asks = not has_marker and ("?" in text or "？" in text)
    return ParsedReply(
        answer=answer,
        citations=citations,
        has_marker=has_marker,
        abstained=abstained,
        asks_clarification=asks,
    )


def format_answer(answer: str, citations: list[str] | tuple[str, ...] = ()) -> str:
    """The reply an oracle sends: `Answer: TEXT [id] [id]`."""
    cites = " ".join(f"[{c}]" for c in citations)
    return f"Answer: {answer} {cites}".rstrip()
