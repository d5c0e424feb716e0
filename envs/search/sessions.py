"""Session files: one JSON object a line, checked against the corpus when read.

```
{"id": "s0001", "lang": "en", "goal": "...",
 "turns": [{"tag": "standalone", "user": "Who founded Taix Works?",
            "answers": ["Kiix Belno"],
            "evidence": [{"doc_id": "company-0013", "text": "It was founded in 1903 by Kiix Belno."}],
            "min_searches": 1}, ...]}
```

Tags: `standalone`, `coreferent` (refers back to earlier turns), `unanswerable` (no document
says; `answers` is empty and the right reply abstains), `underspecified` (ambiguous; the right
move is a clarifying question, after which the user sends `clarification`). `min_searches` is
how many searches an agent needs for the turn when each search finds one gold document (its evidence documents not already
evidence of an earlier turn; 1 on an unanswerable turn, to see that nothing says). Splits are
not in the file: the env splits sessions by a hash of their opening question (`split_tasks`). A turn whose evidence names a document the corpus lacks, or a
sentence that document does not contain, is a `DataError` naming the file and the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_rl.envs.core.task import Target
from agent_rl.envs.search.corpus import Corpus

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl

TAGS = ("standalone", "coreferent", "unanswerable", "underspecified")


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    text: str


@dataclass(frozen=True)
class Turn:
    tag: str
    user: str
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    min_searches: int = 0
    clarification: str | None = None

    @property
    def evidence_docs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.doc_id for e in self.evidence))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tag": self.tag,
            "user": self.user,
            "answers": list(self.answers),
            "evidence": [{"doc_id": e.doc_id, "text": e.text} for e in self.evidence],
            "min_searches": self.min_searches,
        }
        if self.clarification is not None:
            out["clarification"] = self.clarification
        return out


@dataclass(frozen=True)
class Session:
    id: str
    turns: tuple[Turn, ...]
    goal: str = ""
    lang: str = "en"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lang": self.lang,
            "goal": self.goal,
            "turns": [t.to_dict() for t in self.turns],
        }

    def target(self) -> SessionTarget:
        """The task target: the turns with their gold answers and evidence."""
        return SessionTarget(
            turns=tuple(t.to_dict() for t in self.turns), goal=self.goal, lang=self.lang
        )


@dataclass(frozen=True)
class SessionTarget(Target):
    """A task's gold for `agent_rl/SearchSession-v0`: every turn in the session-file layout."""

    kind = "search_session"
    turns: tuple[dict[str, Any], ...] = ()
    goal: str = ""
    lang: str = "en"

    def session(self, session_id: str) -> Session:
        """The checked `Session` (a DataError names the bad key)."""
        return session_from_dict(
            {"id": session_id, "turns": list(self.turns), "goal": self.goal, "lang": self.lang}
        )


def _fail(message: str, path: str | None, line: int | None, key: str) -> DataError:
    return DataError(message, path=path, line=line, key=key)


def turn_from_dict(data: Any, *, where: str, path: str | None, line: int | None) -> Turn:
    if not isinstance(data, Mapping):
        raise _fail("a turn must be an object", path, line, where)
    tag = data.get("tag")
    if tag not in TAGS:
        raise _fail(f"tag must be one of {list(TAGS)}, got {tag!r}", path, line, f"{where}.tag")
    user = data.get("user")
    if not isinstance(user, str) or not user.strip():
        raise _fail("expected the user's message (a non-empty string)", path, line, f"{where}.user")
    answers = data.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise _fail("expected a list of non-empty strings", path, line, f"{where}.answers")
    if (tag == "unanswerable") != (not answers):
        raise _fail(
            "unanswerable turns have no answers, the others at least one",
            path,
            line,
            f"{where}.answers",
        )
    evidence = []
    for j, item in enumerate(data.get("evidence", [])):
        key = f"{where}.evidence[{j}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("doc_id"), str):
            raise _fail("evidence is {doc_id, text}", path, line, key)
        text = item.get("text", "")
        if not isinstance(text, str):
            raise _fail("evidence text must be a string", path, line, f"{key}.text")
        evidence.append(Evidence(item["doc_id"], text))
    if answers and not evidence:
        raise _fail("an answerable turn needs gold evidence", path, line, f"{where}.evidence")
    clarification = data.get("clarification")
    if (tag == "underspecified") != isinstance(clarification, str):
        raise _fail(
            "underspecified turns (only) carry a clarification string",
            path,
            line,
            f"{where}.clarification",
        )
    min_searches = data.get("min_searches", len(evidence))
    if isinstance(min_searches, bool) or not isinstance(min_searches, int) or min_searches < 0:
        raise _fail(
            f"expected an int >= 0, got {min_searches!r}", path, line, f"{where}.min_searches"
        )
    return Turn(tag, user, tuple(answers), tuple(evidence), min_searches, clarification)


def session_from_dict(data: Any, *, path: str | None = None, line: int | None = None) -> Session:
    """Check one session record (not yet against a corpus)."""
    if not isinstance(data, Mapping):
        raise DataError("a session must be an object", path=path, line=line)
    sid = data.get("id")
    if not isinstance(sid, str) or not sid.strip():
        raise _fail(f"expected a non-empty string, got {sid!r}", path, line, "id")
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise _fail("expected a non-empty list of turns", path, line, "turns")
    parsed = tuple(
        turn_from_dict(t, where=f"turns[{i}]", path=path, line=line) for i, t in enumerate(turns)
    )
    return Session(sid, parsed, str(data.get("goal") or ""), str(data.get("lang") or "en"))


def check_against_corpus(
    session: Session, corpus: Corpus, *, path: str | None = None, line: int | None = None
) -> None:
    """Every evidence document exists and contains its evidence sentence."""
    for i, turn in enumerate(session.turns):
        for j, ev in enumerate(turn.evidence):
            key = f"turns[{i}].evidence[{j}]"
            doc = corpus.get(ev.doc_id)
            if doc is None:
                raise _fail(
                    f"session {session.id!r} refers to document {ev.doc_id!r}, which the corpus {corpus.path or ''} lacks",
                    path,
                    line,
                    key,
                )
            if ev.text and ev.text not in doc.text:
                raise _fail(
                    f"document {ev.doc_id!r} does not contain the evidence {ev.text!r}",
                    path,
                    line,
                    key,
                )


def load_sessions(path: str | Path, corpus: Corpus) -> list[Session]:
    """Read and check a session file; errors name the file, the line and the key."""
    p = str(path)
    sessions: list[Session] = []
    seen: dict[str, int] = {}
    for lineno, record in iter_jsonl(path):
        session = session_from_dict(record, path=p, line=lineno)
        if session.id in seen:
            raise _fail(
                f"duplicate session id {session.id!r} (first on line {seen[session.id]})",
                p,
                lineno,
                "id",
            )
        seen[session.id] = lineno
        check_against_corpus(session, corpus, path=p, line=lineno)
        sessions.append(session)
    if not sessions:
        raise DataError("the session file has no sessions", path=p)
    return sessions
