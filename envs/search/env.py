"""`agent_rl/SearchSession-v0`: multi-turn search sessions with a simulated user.

An episode is one session. The user's first question opens it; the agent may call
`search(query, k)` and `open(doc_id)` as often as it likes, then answers (a reply without tool
calls). The env scores that answer (`agent_rl.envs.search.scoring`) and, while turns remain,
answers with the next user message, so later questions ("and where was she born?") come only
after the agent answered the earlier ones, with its own answers in the history. On an
underspecified turn a clarifying question gets the user's clarification back instead. The
episode ends after the last turn; its
reward (paid when the last turn is answered) is the session score, the mean turn reward, in
[0, 1]; a turn's own reward is in that step's `info["turn_result"]`.

`info["turn_result"]` carries each answered turn's scores; every step's `info["session"]`
carries the session so far (per-turn tags, scores, searches, citations), which
`agent_rl.envs.search.report` turns into the eval report (`eval_extra`). A retriever failure marks the step `info["infra_error"]`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, ClassVar

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.source import check_split, shared_tasks, split_tasks
from agent_rl.envs.core.task import Task
from agent_rl.envs.search.answer import format_answer, parse_reply
from agent_rl.envs.search.corpus import Corpus, load_corpus
from agent_rl.envs.search.retriever import Retriever, make_retriever
from agent_rl.envs.search.scoring import SessionScorer, TurnAnswer, TurnScore, session_score_of
from agent_rl.envs.search.service import SearchService, search_tools
from agent_rl.envs.search.sessions import (
    Session,
    SessionTarget,
    Turn,
    check_against_corpus,
    load_sessions,
)
from agent_rl.envs.search.user import ScriptedUser, SimulatedUser

from agent_rl.errors import DataError

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_CORPUS = DATA_DIR / "corpus.jsonl"
DEFAULT_SESSIONS = DATA_DIR / "sessions.jsonl"

SYSTEM_PROMPT = (
    "You are a search assistant. The user asks questions one after another about a document "
    "collection you know nothing about. Use the search tool (and open to read a document) to "
    "find the facts. Answer each question in the form `Answer: <short answer> [doc_id]`, "
    "citing the documents that support it. If the documents do not contain the answer, reply "
    "`Answer: unknown`. If a question is ambiguous, ask a clarifying question instead."
)
CLARIFY = {"en": "Which one do you mean?", "zh": "您指的是哪一位？"}


@functools.lru_cache(maxsize=8)
def shared_corpus(path: str) -> Corpus:
    """One loaded corpus per file and process (every env of a batch shares it)."""
    return load_corpus(path)


def session_task(session: Session) -> Task:
    """The Task of a session: the first question as prompt, every turn in its `SessionTarget`."""
    first = session.turns[0]
    return Task(
        id=session.id,
        prompt=first.user,
        answer=first.answers[0] if first.answers else "",
        target=session.target(),
        metadata={"lang": session.lang, "n_turns": len(session.turns)},
    )


def load_session_tasks(corpus_path: str, sessions_path: str) -> list[Task]:
    """The session file's tasks, checked against the corpus, loaded once per process."""
    return shared_tasks(
        ("search_session", corpus_path, sessions_path),
        lambda: [session_task(s) for s in load_sessions(sessions_path, shared_corpus(corpus_path))],
    )


class SearchSessionEnv(AgentEnv):
    """Multi-turn search sessions: search, read, answer; a simulated user asks follow-ups.

    Args:
        corpus: JSONL corpus (`{"id", "title", "text"}` a line); default: the shipped one.
        sessions: JSONL session file; default: the shipped sessions (240, generated).
        split: `train`, `test` (held out, by a hash of the opening question) or `all`.
        retriever: `bm25` (default), `dense:MODEL_DIR`, `http://HOST:PORT` (Search-R1
            protocol) or a `Retriever` (the caller keeps ownership: `close` leaves it open).
        user: "scripted" (default: the session file's turns), a policy spec string (a model
            plays the user from the session's goal: `PolicyUser`, one per spec and process,
            e.g. `-k user=tiny`) or a `SimulatedUser`.
        max_turns: env steps (tool calls plus answers) before truncation.
        n_sessions: keep the first `n_sessions` of the split.
        retriever_options: passed to the retriever (e.g. `cache_dir`, `timeout`).
    """

    description = (
        "Multi-turn search sessions: search/open tools, a simulated user, grounded answers"
    )
    train_settings: ClassVar[dict[str, Any]] = {
        "max_turns": 24,
        "max_tokens": 256,
        "max_total_tokens": 4096,
        "step_timeout": 120,
    }

    def __init__(
        self,
        *,
        corpus: str | Path | None = None,
        sessions: str | Path | None = None,
        split: str = "train",
        retriever: str | Retriever | None = None,
        user: str | SimulatedUser | None = None,
        max_turns: int = 40,
        n_sessions: int | None = None,
        system_prompt: str | None = None,
        **retriever_options: Any,
    ) -> None:
        self.split = check_split(split)
        corpus_path, sessions_path = (
            str(corpus or DEFAULT_CORPUS),
            str(sessions or DEFAULT_SESSIONS),
        )
        self.corpus = shared_corpus(corpus_path)
        tasks = split_tasks(load_session_tasks(corpus_path, sessions_path), split)
        if n_sessions is not None:
            tasks = tasks[:n_sessions]
        if not tasks:
            raise DataError(f"no sessions in split {split!r}", path=sessions_path)
        owns = not isinstance(retriever, Retriever)
        self.retriever = make_retriever(retriever, self.corpus, **retriever_options)
        self.user: SimulatedUser = (
            ScriptedUser() if user is None or user == "scripted"
            else _policy_user(user) if isinstance(user, str) else user
        )
        self.scorer = SessionScorer()
        self.service = SearchService(self.retriever, self.corpus)
        super().__init__(
            tasks,
            toolset=search_tools(self.service, close_retriever=owns),
            max_turns=max_turns,
            system_prompt=SYSTEM_PROMPT if system_prompt is None else system_prompt,
        )
        self.session: Session | None = None
        self._start_episode(None)

    # ------------------------------------------------------------------ episode state
    def _start_episode(self, session: Session | None) -> None:
        self.session = session
        self.turn_index = 0
        self.clarified = False
        self.turn_scores: list[TurnScore] = []
        self.results: list[dict[str, Any]] = []
        self.service.reset()
        self._turn_searches = 0
        self._turn_opens = 0

    def _session_of(self, task: Task) -> Session:
        if not isinstance(task.target, SessionTarget):
            raise DataError(f"task {task.id!r} has no search_session target", key="target")
        session = task.target.session(task.id)
        check_against_corpus(session, self.corpus)
        return session

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        messages, info = super().reset(seed=seed, options=options)
        info["n_turns"] = len(self.session.turns) if self.session else 0
        return messages, info

    def opening_messages(self, task: Task) -> list[Message]:
        self._start_episode(self._session_of(task))
        messages: list[Message] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": self.user.message(self.session, 0, [])})
        return messages

    # ------------------------------------------------------------------ steps
    def step(
        self, action: Message | str
    ) -> tuple[list[Message], float, bool, bool, dict[str, Any]]:
        """The base step, plus the session so far in `info["session"]` (for the eval report)."""
        messages, reward, terminated, truncated, info = super().step(action)
        info.setdefault("session", self.session_summary())
        return messages, reward, terminated, truncated, info

    @classmethod
    def eval_extra(cls, trajectories: list[Any]) -> dict[str, Any]:
        """Session metrics for `agent-rl eval` (see `agent_rl.envs.search.report`)."""
        from agent_rl.envs.search.report import session_report

        return session_report(trajectories)

    def on_tool_results(
        self, action: Message, results: list[Any], messages: list[Message]
    ) -> StepOutcome:
        names = [(c.get("function") or {}).get("name") for c in action.get("tool_calls") or []]
        self._turn_searches += names.count("search")
        self._turn_opens += names.count("open")
        return super().on_tool_results(action, results, messages)

    def finish(self, action: Message) -> StepOutcome:
        if self.session is None or self.task is None:
            raise DataError("finish() before reset()")
        session, turn = self.session, self.session.turns[self.turn_index]
        content = action.get("content") or ""
        asks = parse_reply(content).asks_clarification
        if turn.tag == "underspecified" and not self.clarified and asks:
            self.clarified = True
            text = self.user.message(session, self.turn_index, self.history, clarification=True)
            return StepOutcome(
                messages=[{"role": "user", "content": text}], info={"clarification_asked": True}
            )
        answer = TurnAnswer(content, self.turn_index, frozenset(self.service.seen), self.clarified)
        turn_score = self.scorer.score(answer, self.task)
        if turn_score.infra_error:
            return StepOutcome(score=turn_score, terminated=True)
        ts = TurnScore(**turn_score.details)
        self.turn_scores.append(ts)
        record = self._record(turn, content, ts)
        self.results.append(record)
        info: dict[str, Any] = {"turn_result": record, "turn_score": turn_score.to_dict()}
        self.turn_index += 1
        self.clarified = False
        self._turn_searches = self._turn_opens = 0
        n = len(session.turns)
        if self.turn_index >= n:
            info["session"] = self.session_summary()
            return StepOutcome(
                score=session_score_of(self.turn_scores, n), terminated=True, info=info
            )
        text = self.user.message(session, self.turn_index, self.history)
        return StepOutcome(messages=[{"role": "user", "content": text}], info=info)

    def _record(self, turn: Turn, content: str, ts: TurnScore) -> dict[str, Any]:
        reply = parse_reply(content)
        return {
            "index": self.turn_index,
            "tag": turn.tag,
            "user": turn.user,
            "answer": reply.answer,
            "gold": list(turn.answers),
            "citations": list(reply.citations),
            "evidence_docs": list(turn.evidence_docs),
            "searches": self._turn_searches,
            "opens": self._turn_opens,
            "min_searches": turn.min_searches,
            **ts.to_dict(),
        }

    def session_summary(self) -> dict[str, Any]:
        """The session so far: id, language, score and every answered turn."""
        if self.session is None:
            return {}
        n = len(self.session.turns)
        return {
            "id": self.session.id,
            "lang": self.session.lang,
            "n_turns": n,
            "tags": [t.tag for t in self.session.turns],
            "score": session_score_of(self.turn_scores, n).reward,
            "turns": [dict(r) for r in self.results],
        }

    # ------------------------------------------------------------------ reference agent
    def reference_action(self) -> Message | None:
        """Search for (and open) each unseen gold document, then answer citing them.

        Ambiguous turns first get a clarifying question; unanswerable turns one search, then
        `Answer: unknown`.
        """
        if self.session is None or self.turn_index >= len(self.session.turns):
            return None
        turn = self.session.turns[self.turn_index]
        if turn.tag == "underspecified" and not self.clarified:
            return {"role": "assistant", "content": CLARIFY.get(self.session.lang, CLARIFY["en"])}
        if turn.tag == "unanswerable":
            if self._turn_searches == 0:
                return self._calls([("search", {"query": turn.user, "k": 3})])
            return {"role": "assistant", "content": format_answer("unknown")}
        missing = [d for d in turn.evidence_docs if d not in self.service.seen]
        if missing:
            calls: list[tuple[str, dict[str, Any]]] = []
            for doc_id in missing:
                doc = self.corpus.get(doc_id)
                calls.append(("search", {"query": doc.title if doc else doc_id, "k": 3}))
                calls.append(("open", {"doc_id": doc_id}))
            return self._calls(calls)
        return {
            "role": "assistant",
            "content": format_answer(turn.answers[0], turn.evidence_docs),
        }

    def _calls(self, calls: list[tuple[str, dict[str, Any]]]) -> Message:
        prefix = f"call_{self.turn_index}_{self.turn}"
        return {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                tool_call(name, args, f"{prefix}_{i}") for i, (name, args) in enumerate(calls)
            ],
        }

    def wrong_action(self) -> Message:
        return {"role": "assistant", "content": "Answer: I do not know."}


@functools.lru_cache(maxsize=4)
def _policy_user(spec: str) -> SimulatedUser:
    """One model-played user per spec and process (every episode builds a new env)."""
    from agent_rl.envs.search.user import PolicyUser

    return PolicyUser(spec)
