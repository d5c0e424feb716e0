"""SearchSession-v0: the user turns, the reward rules, the oracle, closed book, infra errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from agent_rl.envs import tool_call
from agent_rl.envs.search import Hit, Retriever
from agent_rl.envs.search.env import SearchSessionEnv

from agent_rl import envs
from agent_rl.errors import DataError, InfraError

from .conftest import write_jsonl


class EmptyRetriever(Retriever):
    """A retriever that finds nothing, however often it is asked."""

    def search_batch(self, queries: Sequence[str], k: int = 3) -> list[list[Hit]]:
        return [[] for _ in queries]


class BrokenRetriever(Retriever):
    def search_batch(self, queries: Sequence[str], k: int = 3) -> list[list[Hit]]:
        raise InfraError("retriever http://127.0.0.1:9/retrieve is unreachable")


def _session(turns: list[dict], sid: str = "x1") -> dict:
    return {"id": sid, "split": "train", "turns": turns}


ORLA_TURNS = [
    {
        "tag": "standalone",
        "user": "What does Orla Venn do?",
        "answers": ["chemist", "化学家"],
        "evidence": [{"doc_id": "d1", "text": "Orla Venn is a chemist."}],
        "min_searches": 1,
    },
    {
        "tag": "coreferent",
        "user": "Where was she born?",
        "answers": ["Kestrel"],
        "evidence": [{"doc_id": "d1", "text": "She was born in 1901 in Kestrel."}],
        "min_searches": 0,
    },
    {"tag": "unanswerable", "user": "How tall is Orla Venn?", "answers": [], "evidence": []},
]


@pytest.fixture()
def mini_env(tmp_path: Path, mini_corpus: Path) -> SearchSessionEnv:
    sessions = write_jsonl(tmp_path / "sessions.jsonl", [_session(ORLA_TURNS)])
    return SearchSessionEnv(
        corpus=mini_corpus, sessions=sessions, retriever="bm25", cache_dir=False
    )


def _search(query: str) -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [tool_call("search", {"query": query}, "c1")],
    }


def _answer(text: str) -> dict:
    return {"role": "assistant", "content": text}


def test_turns_arrive_one_after_another_and_score_per_turn(mini_env: SearchSessionEnv) -> None:
    messages, info = mini_env.reset(seed=0)
    assert messages[-1] == {"role": "user", "content": "What does Orla Venn do?"}
    assert info["n_turns"] == 3 and [t["function"]["name"] for t in info["tools"]] == [
        "search",
        "open",
    ]
    obs, reward, term, _trunc, info = mini_env.step(_search("Orla Venn"))
    assert obs[0]["role"] == "tool" and "[d1] Orla Venn" in obs[0]["content"] and reward == 0
    obs, reward, term, _trunc, info = mini_env.step(_answer("Answer: a chemist [d1]"))
    assert obs == [{"role": "user", "content": "Where was she born?"}] and not term and reward == 0
    assert info["turn_result"]["reward"] == 1.0 and info["turn_result"]["citation_precision"] == 1.0
    # d1 was retrieved in turn 1: the follow-up is grounded without a new search
    obs, reward, term, _trunc, info = mini_env.step(_answer("Answer: Kestrel"))
    assert info["turn_result"]["reward"] == 1.0 and obs[0]["content"] == "How tall is Orla Venn?"
    obs, reward, term, _trunc, info = mini_env.step(_answer("Answer: unknown"))
    assert term and obs == [] and reward == pytest.approx(1.0)
    assert [t["tag"] for t in info["session"]["turns"]] == [
        "standalone",
        "coreferent",
        "unanswerable",
    ]


def test_ungrounded_and_abstaining_answers_score_zero(mini_env: SearchSessionEnv) -> None:
    mini_env.reset(seed=0)
    _, _, _, _, info = mini_env.step(_answer("Answer: chemist"))  # right, but nothing retrieved
    assert info["turn_result"]["correct"] == 1.0 and info["turn_result"]["grounded"] == 0.0
    assert info["turn_result"]["reward"] == 0.0
    mini_env.step(_search("Kestrel Orla"))
    _, _, _, _, info = mini_env.step(_answer("Answer: unknown"))  # abstaining on an answerable turn
    assert info["turn_result"]["abstained"] and info["turn_result"]["reward"] == 0.0
    _, reward, term, _, info = mini_env.step(_answer("Answer: 1.7 m"))  # guessing the unanswerable
    assert term and reward == 0.0


def test_more_searches_do_not_raise_the_reward_with_an_empty_retriever(
    tmp_path: Path, mini_corpus: Path
) -> None:
    sessions = write_jsonl(tmp_path / "s.jsonl", [_session(ORLA_TURNS[:2])])
    env = SearchSessionEnv(
        corpus=mini_corpus, sessions=sessions, retriever=EmptyRetriever(), max_turns=64
    )
    rewards = []
    for n_searches in (0, 1, 5, 20):
        env.reset(seed=0)
        total = 0.0
        for turn_answer in ("Answer: chemist [d1]", "Answer: Kestrel [d1]"):
            for i in range(n_searches):
                obs, r, *_ = env.step(_search(f"Orla Venn chemist {i}"))
                assert obs[0]["content"].startswith("No documents found") and r == 0
                total += r
            _, r, *_ = env.step(_answer(turn_answer))
            total += r
        rewards.append(total)
    assert rewards == [0.0, 0.0, 0.0, 0.0]


def test_pointless_searches_do_not_help_with_a_real_retriever(mini_env: SearchSessionEnv) -> None:
    mini_env.reset(seed=0)
    for query in ("Arvonia", "textile", "1620"):
        mini_env.step(_search(query))  # d2 / d3, never d1
    assert "d1" not in mini_env.service.seen
    _, _, _, _, info = mini_env.step(_answer("Answer: chemist"))
    assert info["turn_result"]["reward"] == 0.0


def test_underspecified_turn_needs_a_clarifying_question(tmp_path: Path, mini_corpus: Path) -> None:
    turn = {
        "tag": "underspecified",
        "user": "What does Ms. Venn do?",
        "answers": ["chemist"],
        "evidence": [{"doc_id": "d1", "text": "Orla Venn is a chemist."}],
        "clarification": "I mean Orla Venn, born in 1901.",
    }
    sessions = write_jsonl(tmp_path / "s.jsonl", [_session([turn, ORLA_TURNS[1]])])
    env = SearchSessionEnv(corpus=mini_corpus, sessions=sessions, cache_dir=False)
    env.reset(seed=0)
    env.step(_search("Venn"))
    obs, _, _, _, info = env.step(_answer("Which Ms. Venn do you mean?"))
    assert obs == [{"role": "user", "content": "I mean Orla Venn, born in 1901."}]
    _, _, _, _, info = env.step(_answer("Answer: chemist [d1]"))
    assert info["turn_result"]["clarified"] is True and info["turn_result"]["reward"] == 1.0
    env.reset(seed=0)  # guessing straight away scores 0 even when the guess is right
    env.step(_search("Venn"))
    _, _, _, _, info = env.step(_answer("Answer: chemist [d1]"))
    assert info["turn_result"]["clarified"] is False and info["turn_result"]["reward"] == 0.0


def test_retriever_failure_is_an_infra_error_not_a_zero(tmp_path: Path, mini_corpus: Path) -> None:
    sessions = write_jsonl(tmp_path / "s.jsonl", [_session(ORLA_TURNS)])
    env = SearchSessionEnv(corpus=mini_corpus, sessions=sessions, retriever=BrokenRetriever())
    env.reset(seed=0)
    obs, _reward, _term, _trunc, info = env.step(_search("Orla"))
    assert "unreachable" in info["infra_error"] and "search backend failed" in obs[0]["content"]


def test_session_referring_to_a_missing_doc_names_file_and_line(
    tmp_path: Path, mini_corpus: Path
) -> None:
    bad = dict(ORLA_TURNS[0], evidence=[{"doc_id": "d9", "text": ""}])
    sessions = write_jsonl(
        tmp_path / "bad.jsonl", [_session(ORLA_TURNS, "a"), _session([bad, ORLA_TURNS[1]], "b")]
    )
    with pytest.raises(DataError, match=r"bad\.jsonl:2 \[turns\[0\]\.evidence\[0\]\].*'d9'"):
        SearchSessionEnv(corpus=mini_corpus, sessions=sessions)


def test_oracle_scores_one_on_every_shipped_session() -> None:
    env = SearchSessionEnv(split="all")
    assert len(env.tasks) >= 200
    report = env.validate()
    assert report.ok and report.passed == len(env.tasks), report.summary()


def test_closed_book_answers_score_near_zero() -> None:
    """A policy that answers every turn at once from the question (no search) scores ~0."""
    env = SearchSessionEnv(split="all")
    scores = []
    for task in env.tasks:
        env.reset(options={"task": task})
        term = False
        while not term:
            _, reward, term, _, _ = env.step(_answer("Answer: Kestrel"))
        scores.append(reward)
    assert max(scores) == 0.0
    abstain = []  # always abstaining only earns the unanswerable turns
    for task in env.tasks:
        env.reset(options={"task": task})
        term = False
        while not term:
            _, reward, term, _trunc, _info = env.step(_answer("Answer: unknown"))
        abstain.append(reward)
    assert sum(abstain) / len(abstain) < 0.1


def test_splits_are_disjoint_and_registered() -> None:
    train = {t.id for t in envs.make("agent_rl/SearchSession-v0").tasks}
    test = {t.id for t in envs.make("agent_rl/SearchSession-v0", split="test").tasks}
    assert train and test and not train & test
    assert len(train) + len(test) == len(SearchSessionEnv(split="all").tasks)


def test_chinese_sessions_accept_chinese_answers() -> None:
    env = SearchSessionEnv(split="all")
    task = next(
        t
        for t in env.tasks
        if t.metadata["lang"] == "zh"
        and any("化学家" in turn["answers"] for turn in t.target.turns)
    )
    env.reset(options={"task": task})
    turns = env.session.turns
    assert any("\u4e00" <= ch <= "\u9fff" for ch in turns[0].user)  # asked in Chinese
    total = 0.0
    for _ in range(env.max_turns):
        action = env.reference_action()
        turn = turns[env.turn_index]
        if not action.get("tool_calls") and turn.answers and turn.tag != "underspecified":
            answer = next(
                (a for a in turn.answers if any("\u4e00" <= c <= "\u9fff" for c in a)),
                turn.answers[0],
            )
            action = {"role": "assistant", "content": f"答案：{answer}。"}
        _, reward, term, trunc, info = env.step(action)
        total += reward
        if term or trunc:
            break
    assert term and total == 1.0, info["session"]
