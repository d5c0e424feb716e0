"""Corpus and session files: every bad record is an error naming the file, the line and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_rl.envs.search.corpus import load_corpus
from agent_rl.envs.search.env import DEFAULT_CORPUS, DEFAULT_SESSIONS
from agent_rl.envs.search.sessions import load_sessions
from agent_rl.envs.search.world import write_data

from agent_rl.errors import DataError

from .conftest import write_jsonl

GOOD = {"id": "d1", "title": "T", "text": "Some text."}


@pytest.mark.parametrize(
    ("records", "pattern"),
    [
        ([GOOD, {"title": "x", "text": "y"}], r"c\.jsonl:2 \[id\]"),
        ([GOOD, {"id": "", "text": "y"}], r"c\.jsonl:2 \[id\]"),
        ([{"id": "d2", "title": "no text"}], r"c\.jsonl:1 \[text\]"),
        ([{"id": "d2", "text": "   "}], r"c\.jsonl:1 \[text\]"),
        (
            [GOOD, {"id": "d2", "text": "b"}, {"id": "d1", "text": "c"}],
            r"c\.jsonl:3 \[id\]: duplicate document id 'd1' \(first on line 1\)",
        ),
    ],
)
def test_bad_corpus_lines_name_file_and_line(tmp_path: Path, records: list, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        load_corpus(write_jsonl(tmp_path / "c.jsonl", records))


def test_bad_json_and_empty_corpus(tmp_path: Path) -> None:
    p = tmp_path / "c.jsonl"
    p.write_text('{"id": "a", "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"c\.jsonl:2"):
        load_corpus(p)
    p.write_text("\n", encoding="utf-8")
    with pytest.raises(DataError, match="no documents"):
        load_corpus(p)


def test_search_r1_contents_layout_is_read(tmp_path: Path) -> None:
    corpus = load_corpus(
        write_jsonl(tmp_path / "c.jsonl", [{"id": 7, "contents": '"Kestrel"\nA city.'}])
    )
    doc = corpus.get("7")
    assert doc is not None and (doc.title, doc.text) == ("Kestrel", "A city.")
    assert doc.contents == '"Kestrel"\nA city.'


def test_session_errors_name_file_line_and_key(tmp_path: Path, mini_corpus: Path) -> None:
    corpus = load_corpus(mini_corpus)
    turn = {
        "tag": "standalone",
        "user": "Q?",
        "answers": ["chemist"],
        "evidence": [{"doc_id": "d1", "text": "Orla Venn is a chemist."}],
    }
    cases = [
        ({"id": "s", "turns": [dict(turn, tag="chatty")]}, r"turns\[0\]\.tag"),
        (
            {"id": "s", "turns": [dict(turn, evidence=[{"doc_id": "d1", "text": "not there"}])]},
            r"does not contain the evidence",
        ),
        ({"id": "s", "turns": [dict(turn, answers=[])]}, r"turns\[0\]\.answers"),
        ({"id": "s", "turns": [dict(turn, evidence=[])]}, r"needs gold evidence"),
        ({"id": "s", "turns": []}, r"\[turns\]"),
        ({"id": "s", "turns": [dict(turn, tag="underspecified")]}, r"clarification"),
    ]
    for record, pattern in cases:
        path = write_jsonl(tmp_path / "s.jsonl", [{"id": "ok", "turns": [turn]}, record])
        with pytest.raises(DataError, match=rf"s\.jsonl:2 .*{pattern}|s\.jsonl:2.*{pattern}"):
            load_sessions(path, corpus)
    path = write_jsonl(
        tmp_path / "s.jsonl", [{"id": "a", "turns": [turn]}, {"id": "a", "turns": [turn]}]
    )
    with pytest.raises(DataError, match=r"s\.jsonl:2 \[id\]: duplicate session id"):
        load_sessions(path, corpus)


def test_shipped_data_is_the_world_models_output(tmp_path: Path) -> None:
    corpus_path, sessions_path = write_data(tmp_path, seed=0)
    assert corpus_path.read_bytes() == DEFAULT_CORPUS.read_bytes()
    assert sessions_path.read_bytes() == DEFAULT_SESSIONS.read_bytes()


def test_shipped_sessions_cover_the_issue() -> None:
    corpus = load_corpus(DEFAULT_CORPUS)
    sessions = load_sessions(DEFAULT_SESSIONS, corpus)
    assert len(sessions) >= 200
    assert {len(s.turns) for s in sessions} == {2, 3, 4, 5, 6}
    tags = {t.tag for s in sessions for t in s.turns}
    assert tags == {"standalone", "coreferent", "unanswerable", "underspecified"}
    assert {s.lang for s in sessions} == {"en", "zh"}
    # every answerable turn has gold evidence that states its first answer
    for s in sessions:
        for t in s.turns:
            if (
                t.tag in ("standalone", "coreferent", "underspecified")
                and not t.answers[0].isdigit()
            ):
                assert any(t.answers[0] in e.text for e in t.evidence), (s.id, t)
    # answers are varied (a guess of a few common values cannot score)
    answers = [json.dumps(t.answers) for s in sessions for t in s.turns if t.answers]
    assert len(set(answers)) > 200 and max(map(answers.count, set(answers))) < 0.05 * len(answers)
