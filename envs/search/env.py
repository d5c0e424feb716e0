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

`info["turn_result"]` carries each answered turn's scores; the last step's
`info["session"]` carries the whole session (per-turn tags, scores, searches, citations) for
`agent_rl.envs.search.report`. A retriever failure marks the step `info["infra_error"]`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, ClassVar

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.task import Task
from agent_rl.envs.search.answer import format_answer, parse_reply
from agent_rl.envs.search.corpus import Corpus, load_corpus
from agent_rl.envs.search.retriever import Retriever, make_retriever
from agent_rl.envs.search.scoring import TurnScore, score_turn
from agent_rl.envs.search.service import SearchService, search_tools
from agent_rl.envs.search.sessions import (
    Session,
    check_against_corpus,
    load_sessions,
    session_from_dict,
)
from agent_rl.envs.search.user import ScriptedUser, SimulatedUser

from agent_rl.errors import ConfigError, DataError

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_CORPUS = DATA_DIR / "corpus.jsonl"
DEFAULT_SESSIONS = DATA_DIR / "sessions.jsonl"
SPLITS = ("train", "test", "all")

SYSTEM_PROMPT = (
    "You are a search assistant. The user asks questions one after another about a document "
    "collection you know nothing about. Use the search tool (and open to read a document) to "
    "find the facts. Answer each question in the form `Answer: <short answer> [doc_id]`, "
    "citing the documents that support it. If the documents do not contain the answer, reply "
    "`Answer: unknown`. If a question is ambiguous, ask a clarifying question instead."
)
CLARIFY = {"en": "Which one do you mean?", "zh": "您指的是哪一位？"}


@functools.lru_cache(maxsize=8)
def _load(corpus_path: str, sessions_path: str) -> tuple[Corpus, tuple[Session, ...]]:
    corpus = load_corpus(corpus_path)
    return corpus, tuple(load_sessions(sessions_path, corpus))


def session_task(session: Session) -> Task:
    """The Task record of a session (the whole session travels in `metadata["session"]`)."""
    first = session.turns[0]
    return Task(
        id=session.id,
        prompt=first.user,
        answer=first.answers[0] if first.answers else "",
        metadata={"session": session.to_dict(), "split": session.split, "lang": session.lang},
    )


class SearchSessionEnv(AgentEnv):
    """Multi-turn search sessions: search, read, answer; a simulated user asks follow-ups.

    Args:
        corpus: JSONL corpus (`{"id", "title", "text"}` a line); default: the shipped one.
        sessions: JSONL session file; default: the shipped sessions (240, generated).
        split: `train`, `test` (held out) or `all`.
        retriever: `bm25` (default), `dense:MODEL_DIR`, `http://HOST:PORT` (Search-R1
            protocol) or a `Retriever`.
        user: a `SimulatedUser` (default: the scripted turns).
        max_turns: env steps (tool calls plus answers) before truncation.
        n_sessions: keep the first `n_sessions` of the split.
    """

    description = "Multi-turn search sessions (search/open tools, simulated user, grounded answers)"
    train_settings: ClassVar[dict[str, Any]] = {
        "max_turns": 24,
        "max_tokens": 256,
        "max_total_tokens": 6144,
        "step_timeout": 120,
    }

    def __init__(
        self,
        *,
        corpus: str | Path | None = None,
        sessions: str | Path | None = None,
        split: str = "train",
        retriever: str | Retriever | None = None,
        user: SimulatedUser | None = None,
        max_turns: int = 40,
        n_sessions: int | None = None,
        system_prompt: str | None = None,
        **retriever_options: Any,
    ) -> None:
        if split not in SPLITS:
            raise ConfigError(f"must be one of {list(SPLITS)}, got {split!r}", key="split")
        self.corpus, all_sessions = _load(
            str(corpus or DEFAULT_CORPUS), str(sessions or DEFAULT_SESSIONS)
        )
        chosen = [s for s in all_sessions if split == "all" or s.split == split]
        if n_sessions is not None:
            chosen = chosen[:n_sessions]
        if not chosen:
            raise DataError(
                f"no sessions in split {split!r}", path=str(sessions or DEFAULT_SESSIONS)
            )
        self.split = split
        self._owns_retriever = not isinstance(retriever, Retriever)
        self.retriever = make_retriever(retriever, self.corpus, **retriever_options)
        self.user: SimulatedUser = user or ScriptedUser()
        self.service = SearchService(self.retriever, self.corpus)
        super().__init__(
            [session_task(s) for s in chosen],
            toolset=search_tools(lambda: self.service),
            max_turns=max_turns,
            system_prompt=SYSTEM_PROMPT if system_prompt is None else system_prompt,
        )
        self._sessions = {s.id: s for s in chosen}
        self._start_episode(None)

    # ------------------------------------------------------------------ episode state
    def _start_episode(self, session: Session | None) -> None:
        self.session = session
        self.turn_index = 0
        self.clarified = False
        self.results: list[dict[str, Any]] = []
        self.service.reset()
        self._turn_searches = 0
        self._turn_opens = 0

    def _session_of(self, task: Task) -> Session:
        known = self._sessions.get(task.id)
        if known is not None and known.to_dict() == task.metadata.get("session"):
            return known
        data = task.metadata.get("session")
        if data is None:
            raise DataError(f"task {task.id!r} has no metadata.session", key="metadata.session")
        session = session_from_dict(data)
        check_against_corpus(session, self.corpus)
        return session

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        messages, info = super().reset(seed=seed, options=options)
        assert self.task is not None
        self._start_episode(self._session_of(self.task))
        info["n_turns"] = len(self.session.turns)
        return messages, info

    def opening_messages(self, task: Task) -> list[Message]:
        session = self._session_of(task)
        messages: list[Message] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": self.user.message(session, 0, [])})
        return messages

    # ------------------------------------------------------------------ steps
    def on_tool_results(
        self, action: Message, results: list[Any], messages: list[Message]
    ) -> StepOutcome:
        outcome = super().on_tool_results(action, results, messages)
        names = [((c.get("function") or {}).get("name")) for c in action.get("tool_calls") or []]
        self._turn_searches += names.count("search")
        self._turn_opens += names.count("open")
        if self.service.infra_error:
            outcome.info["infra_error"] = self.service.infra_error
            self.service.infra_error = None
        return outcome

    def finish(self, action: Message) -> StepOutcome:
        assert self.session is not None
        turn = self.session.turns[self.turn_index]
        reply = parse_reply(action.get("content"))
        if turn.tag == "underspecified" and not self.clarified and reply.asks_clarification:
            self.clarified = True
            text = self.user.message(
                self.session, self.turn_index, self.history, clarification=True
            )
            return StepOutcome(
                messages=[{"role": "user", "content": text}], info={"clarification_asked": True}
            )
        score = score_turn(turn, reply, self.service.seen, clarified=self.clarified)
        n = len(self.session.turns)
        record = self._record(turn, reply, score)
        self.results.append(record)
        info: dict[str, Any] = {"turn_result": record}
        self.turn_index += 1
        self.clarified = False
        self._turn_searches = self._turn_opens = 0
        if self.turn_index >= n:
            summary = self.session_summary()
            info["session"] = summary
            return StepOutcome(reward=summary["score"], terminated=True, info=info)
        text = self.user.message(self.session, self.turn_index, self.history)
        return StepOutcome(messages=[{"role": "user", "content": text}], info=info)

    def _record(self, turn: Any, reply: Any, score: TurnScore) -> dict[str, Any]:
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
            **score.to_dict(),
        }

    def session_summary(self) -> dict[str, Any]:
        """The session so far: id, language, split, score and every answered turn."""
        assert self.session is not None
        n = len(self.session.turns)
        return {
            "id": self.session.id,
            "lang": self.session.lang,
            "split": self.session.split,
            "n_turns": n,
            "score": sum(r["reward"] for r in self.results) / n,
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
            calls = []
            for doc_id in missing:
                doc = self.corpus.get(doc_id)
                calls.append(("search", {"query": doc.title if doc else doc_id, "k": 3}))
                calls.append(("open", {"doc_id": doc_id}))
            return self._calls(calls)
        return {"role": "assistant", "content": format_answer(turn.answers[0], turn.evidence_docs)}

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

    def close(self) -> None:
        if self._owns_retriever:
            self.retriever.close()
        super().close()
