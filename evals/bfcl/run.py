"""Run BFCL categories with a policy, or grade a predictions file, into one `BFCLReport`.

`run_bfcl` poses every entry of the chosen categories to a policy through the rollout engine
(the same engine, chat format and parser as training) and grades each answer with the
project's checker. `grade_predictions` grades answers a team already has, one JSON object a
line: `{"id": ..., "result": [{"fn": {"arg": value}}, ...]}` (single-turn; `[]` for no call)
or `{"id": ..., "result": [[["fn(arg=1)", ...], ...], ...]}` (multi-turn: turns, steps, call
strings, as bfcl-eval stores them). A line that cannot be graded (bad JSON, no id, an id
BFCL does not have, a duplicate, a malformed result) is skipped and reported with its file,
line and field; nothing is dropped silently. Episodes that fail for infrastructure reasons
are counted as failed and left out of the accuracy.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from agent_rl.evals.bfcl import upstream
from agent_rl.evals.bfcl.categories import (
    MEMORY_CATEGORIES,
    MULTI_TURN_CATEGORIES,
    NOT_RUN,
    RELEVANCE_CATEGORIES,
    RUNNABLE,
    expand,
    summary,
)
from agent_rl.evals.bfcl.checker import Verdict, check_entry, is_call_list
from agent_rl.evals.bfcl.data import BFCLEntry, load_category

from agent_rl.errors import DataError
from agent_rl.jsonl import decode_line

logger = logging.getLogger(__name__)


@dataclass
class CategoryResult:
    """One category's outcome; `accuracy` is None when it was not run."""

    category: str
    status: str
    """"run", "graded" (from predictions) or "not_run"."""
    reason: str = ""
    total: int = 0
    """Entries BFCL has in this category."""
    graded: int = 0
    correct: int = 0
    failed: int = 0
    """Episodes lost to infrastructure failures (not graded, not counted)."""
    accuracy: float | None = None
    """correct / graded (BFCL's accuracy when every entry was graded)."""
    error_types: dict[str, int] = field(default_factory=dict)
    known_bad: list[str] = field(default_factory=list)
    """Entries whose ground truth bfcl-eval itself rejects (unpassable)."""
    passable_accuracy: float | None = None
    """Accuracy over graded entries that are not known-bad."""


@dataclass
class BFCLReport:
    policy: str
    categories: dict[str, CategoryResult]
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    bfcl_eval_version: str = ""
    created: str = ""

    def summary(self) -> dict[str, dict[str, Any]]:
        return summary(
            {
                c: {"accuracy": r.accuracy, "total": r.graded or r.total}
                for c, r in self.categories.items()
                if r.accuracy is not None
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "bfcl_eval_version": self.bfcl_eval_version,
            "created": self.created,
            "elapsed_s": self.elapsed_s,
            "categories": {c: asdict(r) for c, r in self.categories.items()},
            "summary": self.summary(),
            "rejected": self.rejected,
        }


def known_bad_ids(entries: Sequence[BFCLEntry]) -> list[str]:
    """Single-turn entries whose own reference answer bfcl-eval's checker rejects."""
    from agent_rl.evals.bfcl.agreement import oracle_answer, reference_verdict

    return [
        e.id
        for e in entries
        if getattr(e, "kind", None) == "ast" and not reference_verdict(e, oracle_answer(e)).valid
    ]


def _finish(result: CategoryResult, verdicts: dict[str, Verdict], entries: list[BFCLEntry]) -> None:
    result.graded = len(verdicts)
    result.correct = sum(v.valid for v in verdicts.values())
    result.accuracy = result.correct / result.graded if result.graded else None
    result.error_types = dict(Counter(v.error_type for v in verdicts.values() if not v.valid))
    result.known_bad = known_bad_ids(entries)
    bad = set(result.known_bad)
    passable = [v for i, v in verdicts.items() if i not in bad]
    result.passable_accuracy = sum(v.valid for v in passable) / len(passable) if passable else None


def _not_run(categories: list[str], report: BFCLReport) -> list[str]:
    runnable = []
    for category in categories:
        if category in RUNNABLE:
            runnable.append(category)
        else:
            report.categories[category] = CategoryResult(
                category, "not_run", NOT_RUN.get(category, "not supported")
            )
    return runnable


def run_bfcl(
    categories: Sequence[str],
    policy: str,
    *,
    chat_format: Any,
    limit: int | None = None,
    concurrency: int = 32,
    max_tokens: int = 1024,
    max_total_tokens: int = 131072,
    temperature: float = 0.0,
    thinking: bool = False,
    step_timeout: float | None = 300.0,
    seed: int = 0,
    on_result: Callable[[Any], Any] | None = None,
) -> BFCLReport:
    """Pose each entry of `categories` to `policy` (a spec for `make_policy`) and grade it."""
    from agent_rl.evals.bfcl.env import BFCLEnv, VerdictLog

    from agent_rl.rollout import RolloutEngine, RolloutLimits, SamplingParams, make_policy

    start = time.perf_counter()
    report = BFCLReport(
        policy=policy,
        categories={},
        bfcl_eval_version=upstream.version(),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    wanted = _not_run(expand(categories), report)
    agent = make_policy(policy, chat_format=chat_format)
    limits = RolloutLimits(
        max_turns=21 * 8,
        max_tokens_per_turn=max_tokens,
        max_total_tokens=max_total_tokens,
        step_timeout_s=step_timeout,
    )
    sampling = SamplingParams(temperature=temperature, seed=seed)
    for category in wanted:
        if category in MEMORY_CATEGORIES:
            report.categories[category] = _run_memory(
                category,
                agent,
                chat_format,
                limits,
                sampling,
                thinking,
                concurrency,
                limit,
                on_result,
                report,
            )
            continue
        entries = load_category(category, limit)
        log = VerdictLog()
        engine = RolloutEngine(
            lambda entries=entries, log=log: BFCLEnv(entries, log),
            agent,
            chat_format,
            RolloutLimits(
                max_turns=max(len(e.turns) for e in entries) * 21,
                max_tokens_per_turn=max_tokens,
                max_total_tokens=max_total_tokens,
                step_timeout_s=step_timeout,
            ),
            sampling=SamplingParams(temperature=temperature, seed=seed),
            thinking=thinking,
            concurrency=concurrency,
        )
        tasks = [{"id": e.id, "prompt": e.id, "metadata": {}} for e in entries]
        trajectories = engine.run(tasks=tasks, on_result=on_result)
        result = CategoryResult(category, "run", total=len(entries))
        graded: dict[str, Verdict] = {}
        for entry, traj in zip(entries, trajectories, strict=True):
            verdict = log.verdicts.get(entry.id)
            if traj.failed or verdict is None:
                if traj.failed:
                    result.failed += 1
                    report.rejected.append(f"{entry.id}: episode failed: {traj.error}")
                    continue
                verdict = _cut_off_verdict(entry, traj, log)
            graded[entry.id] = verdict
            report.verdicts.append(
                {
                    "id": entry.id,
                    "category": category,
                    "valid": verdict.valid,
                    "error_type": verdict.error_type,
                }
            )
            report.answers.append({"id": entry.id, "result": log.answers.get(entry.id, [])})
        _finish(result, graded, entries)
        report.categories[category] = result
    report.elapsed_s = time.perf_counter() - start
    return report


def _last_assistant(traj: Any) -> dict[str, Any] | None:
    for message in reversed(traj.messages or []):
        if message.get("role") == "assistant":
            return message
    return None


def _cut_off_verdict(entry: BFCLEntry, traj: Any, log: Any) -> Verdict:
    """An episode without a verdict: a single-turn reply cut at the token limit is graded as
    it stands (BFCL grades whatever the model returned); anything else failed to answer."""
    from agent_rl.evals.bfcl.env import decode_calls

    last = _last_assistant(traj)
    if entry.kind != "multi_turn" and traj.termination == "max_tokens" and last is not None:
        decoded = decode_calls(last)
        if decoded is None:
            ok = "irrelevance" in entry.category
            verdict = Verdict(ok, "" if ok else "ast_decoder:decoder_failed")
        else:
            verdict = check_entry(entry.category, entry.functions, decoded, entry.possible_answer)
        log.record(entry.id, verdict, decoded or [])
        return verdict
    return Verdict(
        False,
        f"episode:{traj.termination}",
        (f"episode ended by {traj.termination} before an answer",),
    )


def _run_memory(
    category: str,
    agent: Any,
    chat_format: Any,
    limits: Any,
    sampling: Any,
    thinking: bool,
    concurrency: int,
    limit: int | None,
    on_result: Callable[[Any], Any] | None,
    report: BFCLReport,
) -> CategoryResult:
    """Per scenario: prerequisite conversations one at a time, in order, then the questions."""
    import dataclasses
    import tempfile

    from agent_rl.evals.bfcl.memory import MemoryEnv, MemoryLog, load_memory

    from agent_rl.rollout import RolloutEngine

    log = MemoryLog()
    result = CategoryResult(category, "run")
    graded: dict[str, Verdict] = {}
    known_bad: list[str] = []
    with tempfile.TemporaryDirectory(prefix="agent-rl-bfcl-memory-") as root:
        for entries in load_memory(category, limit).values():
            prereqs = [e for e in entries if e.is_prereq]
            questions = [e for e in entries if not e.is_prereq]
            result.total += len(questions)
            known_bad += memory_known_bad(questions)
            for batch, width in ((prereqs, 1), (questions, concurrency)):
                engine = RolloutEngine(
                    lambda entries=entries: MemoryEnv(entries, Path(root), log),
                    agent,
                    chat_format,
                    dataclasses.replace(limits, max_turns=21 * max(len(e.turns) for e in entries)),
                    sampling=sampling,
                    thinking=thinking,
                    concurrency=width,
                )
                trajectories = engine.run(
                    tasks=[{"id": e.id, "prompt": e.id} for e in batch],
                    on_result=on_result if batch is questions else None,
                )
                for entry, traj in zip(batch, trajectories, strict=True):
                    if traj.failed:
                        if entry.is_prereq:  # the questions then miss memory: say so
                            report.rejected.append(
                                f"{entry.id}: prerequisite conversation failed: {traj.error}"
                            )
                            continue
                        result.failed += 1
                        report.rejected.append(f"{entry.id}: episode failed: {traj.error}")
                        continue
                    if entry.is_prereq:
                        continue
                    verdict = log.verdicts.get(entry.id)
                    if verdict is None:  # a reply cut at max tokens is still the answer
                        from agent_rl.evals.bfcl.memory import answer_verdict

                        last = _last_assistant(traj)
                        verdict = (
                            answer_verdict(str(last.get("content") or ""), entry.answers or [])
                            if last is not None and traj.termination == "max_tokens"
                            else Verdict(False, f"episode:{traj.termination}")
                        )
                    graded[entry.id] = verdict
                    report.verdicts.append(
                        {
                            "id": entry.id,
                            "category": category,
                            "valid": verdict.valid,
                            "error_type": verdict.error_type,
                        }
                    )
                    report.answers.append({"id": entry.id, "result": log.answers.get(entry.id, "")})
    result.graded = len(graded)
    result.correct = sum(v.valid for v in graded.values())
    result.accuracy = result.correct / result.graded if result.graded else None
    result.error_types = dict(Counter(v.error_type for v in graded.values() if not v.valid))
    result.known_bad = known_bad
    passable = [v for i, v in graded.items() if i not in set(known_bad)]
    result.passable_accuracy = sum(v.valid for v in passable) / len(passable) if passable else None
    return result


def memory_known_bad(questions: Sequence[Any]) -> list[str]:
    """Questions whose first acceptable answer, given as the oracle gives it, bfcl-eval's own
    `agentic_checker` rejects (unpassable ground truth)."""
    import json

    upstream.ensure_importable()
    from bfcl_eval.eval_checker.agentic_eval.agentic_checker import agentic_checker

    bad = []
    for q in questions:
        reply = json.dumps({"answer": (q.answers or [""])[0], "context": "from memory"})
        if not agentic_checker(reply, list(q.answers or []))["valid"]:
            bad.append(q.id)
    return bad


# --------------------------------------------------------------------------- predictions
def category_of(entry_id: str) -> str:
    """BFCL's category from an entry id (`live_simple_3-2-0` -> `live_simple`)."""
    return entry_id.rsplit("_", 1)[0]


def _entries_by_id(category: str) -> dict[str, Any]:
    if category in MEMORY_CATEGORIES:
        from agent_rl.evals.bfcl.memory import load_memory

        return {
            e.id: e for group in load_memory(category).values() for e in group if not e.is_prereq
        }
    return {e.id: e for e in load_category(category)}


def _validate_result(entry: BFCLEntry, result: Any) -> str | None:
    """Why a predicted result cannot be graded (None: it can)."""
    if entry.category in MULTI_TURN_CATEGORIES:
        if not isinstance(result, list) or not all(
            isinstance(turn, list)
            and all(
                isinstance(step, list) and all(isinstance(c, str) for c in step) for step in turn
            )
            for turn in result
        ):
            return "a multi-turn result is a list of turns, each a list of steps of call strings"
        return None
    if not is_call_list(result):
        return 'expected a list of calls, each {"function_name": {"arg": value}} ([] for none)'
    return None


def grade_predictions(path: str | Path, categories: Sequence[str] | None = None) -> BFCLReport:
    """Grade a predictions file (see the module docstring) per category."""
    from agent_rl.evals.bfcl.multi_turn import check_multi_turn, parse_call

    start = time.perf_counter()
    path = Path(path)
    report = BFCLReport(
        policy=f"predictions:{path}",
        categories={},
        bfcl_eval_version=upstream.version(),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    wanted = set(expand(categories)) if categories else None
    index: dict[str, dict[str, BFCLEntry]] = {}
    graded: dict[str, dict[str, Verdict]] = {}
    if not path.is_file():
        raise DataError("predictions file does not exist", path=str(path))
    with path.open("rb") as handle:
        lines = list(handle)
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:  # the shared JSONL rules; a bad line (bytes, JSON, NaN, depth) is a rejected one
            record = decode_line(line, path=str(path), line=lineno, standard=True)
        except DataError as exc:
            report.rejected.append(str(exc))
            continue
        entry_id = record.get("id")
        if not isinstance(entry_id, str) or not entry_id:
            report.rejected.append(f"{where} [id]: missing or not a string")
            continue
        if "result" not in record:
            report.rejected.append(f"{where} [result]: missing")
            continue
        category = category_of(entry_id)
        if category not in RUNNABLE:
            reason = NOT_RUN.get(category, "not a BFCL category")
            report.rejected.append(f"{where} [id]: {entry_id!r}: category {category!r}: {reason}")
            continue
        if wanted is not None and category not in wanted:
            continue
        if category not in index:
            index[category] = _entries_by_id(category)
            graded[category] = {}
        entry = index[category].get(entry_id)
        if entry is None:
            report.rejected.append(f"{where} [id]: unknown BFCL id {entry_id!r}")
            continue
        if entry_id in graded[category]:
            report.rejected.append(f"{where} [id]: duplicate id {entry_id!r} (first one kept)")
            continue
        problem = (
            (
                None
                if isinstance(record["result"], str)
                else "a memory result is the final answer text"
            )
            if category in MEMORY_CATEGORIES
            else _validate_result(entry, record["result"])
        )
        if problem is not None:
            report.rejected.append(f"{where} [result]: {problem}")
            continue
        if category in MEMORY_CATEGORIES:
            from agent_rl.evals.bfcl.memory import answer_verdict

            verdict = answer_verdict(record["result"], entry.answers or [])
        elif entry.kind == "multi_turn":
            try:
                turns = [
                    [[parse_call(c) for c in step] for step in turn] for turn in record["result"]
                ]
            except DataError as exc:
                report.rejected.append(f"{where} [result]: {exc}")
                continue
            verdict = check_multi_turn(entry, [[s for s in t if s] for t in turns])
        else:
            verdict = check_entry(
                category, entry.functions, record["result"], entry.possible_answer
            )
        graded[category][entry_id] = verdict
        report.verdicts.append(
            {
                "id": entry_id,
                "category": category,
                "valid": verdict.valid,
                "error_type": verdict.error_type,
            }
        )
    for category in sorted(graded, key=lambda c: RUNNABLE.index(c)):
        entries = list(index[category].values())
        result = CategoryResult(category, "graded", total=len(entries))
        _finish(result, graded[category], entries)
        if category in MEMORY_CATEGORIES:
            result.known_bad = memory_known_bad(entries)
        if result.graded < result.total:
            result.reason = f"partial: {result.graded} of {result.total} entries predicted"
        report.categories[category] = result
    for category in sorted(wanted or ()):
        if category not in report.categories:
            report.categories[category] = CategoryResult(
                category, "not_run", NOT_RUN.get(category, "no predictions for this category")
            )
    report.elapsed_s = time.perf_counter() - start
    return report


__all__ = [
    "RELEVANCE_CATEGORIES",
    "BFCLReport",
    "CategoryResult",
    "category_of",
    "grade_predictions",
    "known_bad_ids",
    "run_bfcl",
]
