"""Per-turn reward and the session score.

A turn's reward is `correct x grounded` (times `clarified` on underspecified turns):
- `correct`: token F1 of the answer against the best gold alias (normalisation in
  `agent_rl.envs.search.text`); 0 when the agent abstains on a turn that has an answer. On an
  unanswerable turn `correct` is 1 exactly when the agent abstains.
- `grounded`: the share of the turn's gold evidence documents that the agent retrieved (a
  search result) or opened earlier in the session. Unanswerable turns have nothing to
  ground: 1.
- `clarified`: on an underspecified turn, 1 when the agent asked a clarifying question before
  answering, else 0 (answering a guess scores 0).

Searching is never rewarded by itself: only a correct answer whose evidence was seen scores,
so a search that brings no evidence adds nothing (tests/envs/search/test_env.py shows it with
an empty retriever). The session score is the mean of its turn rewards (turns never
reached count 0); the env pays it as the episode reward when the last turn is answered.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass

from agent_rl.envs.core.scoring import Score, Scorer
from agent_rl.envs.core.task import Task
from agent_rl.envs.search.answer import ParsedReply, parse_reply
from agent_rl.envs.search.sessions import SessionTarget, Turn
from agent_rl.envs.search.text import best_match


@dataclass(frozen=True)
class TurnScore:
    """Why a turn got its reward (one entry of `info["session"]["turns"]`)."""

    reward: float
    correct: float
    grounded: float
    em: float
    f1: float
    abstained: bool
    clarified: bool | None
    """None on turns that are not underspecified."""
    citation_precision: float | None
    """Share of cited doc ids that are gold evidence (None: nothing cited)."""
    evidence_recall: float
    """Share of the turn's evidence documents seen in the session (1 when it has none)."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def score_turn(
    turn: Turn, reply: ParsedReply, seen: Collection[str], *, clarified: bool | None = None
) -> TurnScore:
    """Score one answer to `turn`, given the doc ids seen so far in the session."""
    gold_docs = turn.evidence_docs
    recall = sum(d in seen for d in gold_docs) / len(gold_docs) if gold_docs else 1.0
    if reply.citations:
        precision: float | None = sum(c in gold_docs for c in reply.citations) / len(
            reply.citations
        )
    else:
        precision = None
    if turn.tag == "unanswerable":
        em = f1 = correct = float(reply.abstained)
        grounded = 1.0
    else:
        em, f1 = (0.0, 0.0) if reply.abstained else best_match(reply.answer, turn.answers)
        correct, grounded = f1, recall
    reward = correct * grounded
    if turn.tag == "underspecified":
        clarified = bool(clarified)
        reward *= float(clarified)
    else:
        clarified = None
    return TurnScore(
        reward=reward,
        correct=correct,
        grounded=grounded,
        em=em,
        f1=f1,
        abstained=reply.abstained,
        clarified=clarified,
        citation_precision=precision,
        evidence_recall=recall,
    )


@dataclass(frozen=True)
class TurnAnswer:
    """What the scorer judges: one reply to one turn, with what the agent had seen by then."""

    content: str
    turn_index: int
    seen: frozenset[str]
    clarified: bool = False


class SessionScorer(Scorer[TurnAnswer]):
    """Scores one turn of a session task (the task's `SessionTarget` holds every turn).

    The `Score` components are `correct`, `grounded` (and `clarified` on underspecified
    turns); `details` hold the whole `TurnScore`.
    """

    name = "search_session"

    def score(self, answer: TurnAnswer, task: Task) -> Score:
        if not isinstance(task.target, SessionTarget):
            return Score.infra(f"task {task.id!r} has no search_session target")
        turn = task.target.session(task.id).turns[answer.turn_index]
        return turn_score_to_score(
            score_turn(turn, parse_reply(answer.content), answer.seen, clarified=answer.clarified)
        )


def turn_score_to_score(ts: TurnScore) -> Score:
    components = {"correct": ts.correct, "grounded": ts.grounded}
    if ts.clarified is not None:
        components["clarified"] = float(ts.clarified)
    return Score(ts.reward, components, details=ts.to_dict())


def session_score_of(turns: list[TurnScore], n_turns: int) -> Score:
    """The episode's Score: mean turn reward, components averaged over all `n_turns`."""
    n = max(n_turns, 1)
    components = {
        "correct": sum(t.correct for t in turns) / n,
        "grounded": sum(t.grounded for t in turns) / n,
        "em": sum(t.em for t in turns) / n,
        "f1": sum(t.f1 for t in turns) / n,
    }
    reward = min(max(sum(t.reward for t in turns) / n, 0.0), 1.0)
    return Score(reward, components)
