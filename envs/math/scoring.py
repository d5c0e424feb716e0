"""Scorers for math answers: math-verify against the gold, or a reasoning-gym dataset's own
`score_answer`.

Both take the reply text, find the final answer (`extraction`: "strict" formats only, or
"flexible" with the last number as a fallback) and return a `Score` with one component,
`correct`. A verifier timeout or crash, or a gold answer that math-verify cannot read, is an
infrastructure error (`Score.infra`), never a 0 the agent earned.
"""

from __future__ import annotations

import functools
from typing import Any

from agent_rl.envs.core.scoring import EXTRACTION_MODES, ExtractionMode, Score, Scorer
from agent_rl.envs.core.task import Task
from agent_rl.envs.math.extract import extract_answer
from agent_rl.envs.math.verify import Verdict, Verifier, get_verifier

from agent_rl.errors import ConfigError

NO_ANSWER = "no final answer found (write it in \\boxed{})"


def check_extraction(mode: str) -> ExtractionMode:
    if mode not in EXTRACTION_MODES:
        raise ConfigError(
            f"unknown extraction mode {mode!r}; choose one of {list(EXTRACTION_MODES)}",
            key="extraction",
        )
    return mode  # type: ignore[return-value]


class MathScorer(Scorer[str]):
    """math-verify on the extracted answer against `task.answer`.

    Args:
        verifier: the `Verifier` to use (default: the shared process-wide one, started lazily).
        extraction: "strict" (default) or "flexible".
        timeout: seconds per verification (default: the verifier's).
    """

    name = "math-verify"

    def __init__(
        self,
        verifier: Verifier | None = None,
        *,
        extraction: str = "strict",
        timeout: float | None = None,
    ) -> None:
        self._verifier = verifier
        self.extraction = check_extraction(extraction)
        self.timeout = timeout

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            self._verifier = get_verifier()
        return self._verifier

    def score(self, answer: str | None, task: Task) -> Score:
        extracted = extract_answer(answer, self.extraction)
        if extracted is None:
            verdict = Verdict(False, "unparseable", NO_ANSWER)
        else:
            verdict = self.verifier.verify(task.answer, extracted, timeout=self.timeout)
        details: dict[str, Any] = {"extracted": extracted, "verdict": verdict.to_dict()}
        if verdict.infra_error:
            return Score.infra(verdict.infra_error, **details)
        return Score.binary(verdict.correct, **details)


class ReasoningGymScorer(Scorer[str]):
    """A reasoning-gym dataset's own `score_answer(answer, entry)` on the extracted answer.

    Each reasoning-gym task family knows what counts as equal (set answers, tolerances,
    formats math-verify does not read), so its tasks are judged by it. Tasks carry the
    generator's name, seed and index in their metadata; the entry is regenerated from them
    (cached per dataset). The score is the dataset's own value in [0, 1] (some give partial
    credit); a scorer that raises on odd input is an infrastructure error.
    """

    name = "reasoning-gym"

    def __init__(self, *, extraction: str = "strict", size: int | None = None) -> None:
        self.extraction = check_extraction(extraction)
        self.size = size

    def score(self, answer: str | None, task: Task) -> Score:
        meta = task.metadata
        try:
            name = str(meta["source"]).split(":", 1)[1]
            dataset = _dataset(name, int(meta["size"]), int(meta["seed"]))
            entry = dataset[int(meta["index"])]
        except (KeyError, IndexError, ValueError) as exc:
            return Score.infra(f"task {task.id}: no reasoning-gym entry ({exc!r})")
        extracted = extract_answer(answer, self.extraction)
        if extracted is None and self.extraction == "flexible":
            # Some datasets' answers are words or lists: in flexible mode the dataset's own
            # scorer reads the whole reply.
            extracted = (answer or "").strip() or None
        if extracted is None:
            return Score.binary(False, extracted=None, verdict=NO_ANSWER)
        try:
            value = float(dataset.score_answer(answer=extracted, entry=entry))
        except Exception as exc:  # reasoning-gym scorers raise on odd input (FACTS.md)
            return Score.infra(f"task {task.id}: reasoning-gym scorer raised {exc!r}")
        value = min(max(value, 0.0), 1.0)
        return Score(value, {"correct": value}, details={"extracted": extracted})


@functools.lru_cache(maxsize=32)
def _dataset(name: str, size: int, seed: int) -> Any:
    import reasoning_gym

    return reasoning_gym.create_dataset(name, size=size, seed=seed)
