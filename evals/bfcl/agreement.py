"""Does the project's checker agree with bfcl-eval's own on the same answers?

For every entry of the chosen categories: the reference answer (first acceptable values) and
each perturbation of it are graded by both `check_entry` (ours) and bfcl-eval's
`ast_checker` (AST categories, after BFCL's format check) or its `is_empty_output`
(relevance categories). A verdict is compared on `valid`; error types are compared too and
reported separately. Entries whose reference answer bfcl-eval itself rejects (or crashes on)
are known-bad ground truth: listed, never hidden.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from agent_rl.evals.bfcl import upstream
from agent_rl.evals.bfcl.categories import AST_CATEGORIES, RELEVANCE_CATEGORIES
from agent_rl.evals.bfcl.checker import Verdict, check_entry
from agent_rl.evals.bfcl.data import BFCLEntry, load_category, reference_calls
from agent_rl.evals.bfcl.perturb import PERTURBATIONS, made_call

MODEL_NAME = "agent-rl"


def reference_verdict(entry: BFCLEntry, decoded: Any) -> Verdict:
    """bfcl-eval's own verdict on a decoded answer (its exception becomes `reference_error`)."""
    bfcl = upstream.utils()
    if entry.category in RELEVANCE_CATEGORIES:
        no_call = bfcl.is_empty_output(decoded)
        ok = no_call if "irrelevance" in entry.category else not no_call
        return Verdict(ok, "" if ok else "relevance")
    if not bfcl.is_function_calling_format_output(decoded):
        return Verdict(False, "ast_decoder:decoder_wrong_output_format")
    try:
        result = upstream.ast_checker()(
            copy.deepcopy(entry.functions),
            copy.deepcopy(decoded),
            copy.deepcopy(entry.possible_answer),
            upstream.language_python(),
            entry.category,
            MODEL_NAME,
        )
    except Exception as exc:  # a crash of the reference on bad ground truth: report it
        return Verdict(False, "reference_error", (f"{type(exc).__name__}: {exc}",))
    return Verdict(bool(result["valid"]), "" if result["valid"] else result.get("error_type", ""))


def own_verdict(entry: BFCLEntry, decoded: Any) -> Verdict:
    try:
        return check_entry(entry.category, entry.functions, decoded, entry.possible_answer)
    except Exception as exc:
        return Verdict(False, "checker_error", (f"{type(exc).__name__}: {exc}",))


def oracle_answer(entry: BFCLEntry) -> list[dict[str, Any]]:
    """The decoded answer the oracle gives (relevance: any call; irrelevance: none)."""
    if entry.category in RELEVANCE_CATEGORIES:
        return made_call([], entry.functions) or [] if "irrelevance" not in entry.category else []
    return reference_calls(entry.possible_answer)


@dataclass
class Disagreement:
    id: str
    category: str
    case: str
    ours: dict[str, Any]
    bfcl: dict[str, Any]
    answer: Any


@dataclass
class AgreementReport:
    cases: Counter = field(default_factory=Counter)
    agreed: Counter = field(default_factory=Counter)
    error_type_agreed: Counter = field(default_factory=Counter)
    per_case: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    disagreements: list[Disagreement] = field(default_factory=list)
    known_bad: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    @property
    def total_agreed(self) -> int:
        return sum(self.agreed.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "per_category": {
                c: {
                    "cases": self.cases[c],
                    "agreed": self.agreed[c],
                    "error_type_agreed": self.error_type_agreed[c],
                }
                for c in self.cases
            },
            "per_perturbation": {k: dict(v) for k, v in self.per_case.items()},
            "agreement": self.total_agreed / self.total if self.total else None,
            "disagreements": [d.__dict__ for d in self.disagreements],
            "known_bad_ground_truth": self.known_bad,
        }


def compare(categories: list[str] | None = None, limit: int | None = None) -> AgreementReport:
    """Grade reference and perturbed answers with both checkers; count agreement."""
    report = AgreementReport()
    for category in categories or [*AST_CATEGORIES, *RELEVANCE_CATEGORIES]:
        for entry in load_category(category, limit):
            base = oracle_answer(entry)
            cases: list[tuple[str, Any]] = [("reference", base)]
            if entry.category in RELEVANCE_CATEGORIES:
                cases.append(("made_call", made_call(base, entry.functions)))
                cases.append(("no_call", []))
            else:
                for name, fn in PERTURBATIONS.items():
                    answer = fn(base, entry.functions)
                    if answer is not None:
                        cases.append((name, answer))
            for case, answer in cases:
                ours = own_verdict(entry, answer)
                ref = reference_verdict(entry, answer)
                report.cases[category] += 1
                report.per_case[case]["cases"] += 1
                if case == "reference" and not ref.valid:
                    report.known_bad.append(
                        {
                            "id": entry.id,
                            "category": category,
                            "bfcl": ref.to_dict(),
                            "ours": ours.to_dict(),
                        }
                    )
                if ours.valid == ref.valid:
                    report.agreed[category] += 1
                    report.per_case[case]["agreed"] += 1
                    if ours.error_type == ref.error_type or entry.kind == "relevance":
                        report.error_type_agreed[category] += 1
                else:
                    report.disagreements.append(
                        Disagreement(
                            entry.id, category, case, ours.to_dict(), ref.to_dict(), answer
                        )
                    )
    return report


# ---------------------------------------------------------------------------- multi-turn
def _mt_perturbations(turns: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """Reference answer (one step per turn) and its perturbations, as Call lists."""
    from agent_rl.evals.bfcl.multi_turn import Call

    def as_steps(calls_per_turn: list[list[Any]]) -> list[list[list[Any]]]:
        return [[t] if t else [] for t in calls_per_turn]

    out = {"reference": as_steps(turns)}
    busy = [i for i, t in enumerate(turns) if t]
    if not busy:
        return out
    first, last = busy[0], busy[-1]
    dropped = copy.deepcopy(turns)
    dropped[last] = dropped[last][:-1]
    out["missing_call"] = as_steps(dropped)
    extra = copy.deepcopy(turns)
    extra[first] = [*extra[first], extra[first][0]]
    out["extra_call"] = as_steps(extra)
    empty = copy.deepcopy(turns)
    empty[first] = []
    out["empty_turn"] = as_steps(empty)
    renamed = copy.deepcopy(turns)
    call = renamed[first][0]
    renamed[first][0] = Call(call.name + "_wrong", call.args, call.kwargs)
    out["wrong_function"] = as_steps(renamed)
    changed = copy.deepcopy(turns)
    call = changed[first][0]
    if call.kwargs:
        key = next(iter(call.kwargs))
        changed[first][0] = Call(
            call.name, call.args, {**call.kwargs, key: _bump(call.kwargs[key])}
        )
        out["wrong_value"] = as_steps(changed)
    elif call.args:
        changed[first][0] = Call(call.name, (_bump(call.args[0]), *call.args[1:]), call.kwargs)
        out["wrong_value"] = as_steps(changed)
    for i in busy:
        if len(turns[i]) >= 2:
            swapped = copy.deepcopy(turns)
            swapped[i] = swapped[i][::-1]
            out["swapped_order"] = as_steps(swapped)
            break
    return out


def _bump(value: Any) -> Any:
    from agent_rl.evals.bfcl.perturb import _other_value

    return _other_value(value)


def compare_multi_turn(
    categories: list[str] | None = None,
    limit: int | None = None,
    report: AgreementReport | None = None,
) -> AgreementReport:
    """Our multi-turn checker against bfcl-eval's `multi_turn_checker` on the ground truth
    and its perturbations (missing, extra, wrong and reordered calls, an empty turn)."""
    from agent_rl.evals.bfcl.categories import MULTI_TURN_CATEGORIES
    from agent_rl.evals.bfcl.multi_turn import (
        check_multi_turn,
        parse_call,
        reference_multi_turn_verdict,
    )

    report = report or AgreementReport()
    for category in categories or list(MULTI_TURN_CATEGORIES):
        for entry in load_category(category, limit):
            turns = [[parse_call(c) for c in turn] for turn in entry.possible_answer]
            for case, answer in _mt_perturbations(turns).items():
                try:
                    ours = check_multi_turn(entry, answer)
                except Exception as exc:
                    ours = Verdict(False, "checker_error", (f"{type(exc).__name__}: {exc}",))
                ref = reference_multi_turn_verdict(entry, answer)
                report.cases[category] += 1
                report.per_case[case]["cases"] += 1
                if case == "reference" and not ref.valid:
                    report.known_bad.append(
                        {
                            "id": entry.id,
                            "category": category,
                            "bfcl": ref.to_dict(),
                            "ours": ours.to_dict(),
                        }
                    )
                if ours.valid == ref.valid:
                    report.agreed[category] += 1
                    report.per_case[case]["agreed"] += 1
                    if ours.error_type == ref.error_type:
                        report.error_type_agreed[category] += 1
                else:
                    report.disagreements.append(
                        Disagreement(
                            entry.id,
                            category,
                            case,
                            ours.to_dict(),
                            ref.to_dict(),
                            [[[c.to_string() for c in s] for s in t] for t in answer],
                        )
                    )
    return report


# -------------------------------------------------------------------------------- memory
def compare_memory(
    categories: list[str] | None = None, report: AgreementReport | None = None
) -> AgreementReport:
    """Our answer check against bfcl-eval's `agentic_checker` on replies built from the
    acceptable answers: the oracle's JSON, the bare answer, a sentence around it, the answer
    glued into a longer word, another question's answer, and an empty reply."""
    import json

    from agent_rl.evals.bfcl.memory import MEMORY_CATEGORIES, answer_verdict, load_memory

    upstream.ensure_importable()
    from bfcl_eval.eval_checker.agentic_eval.agentic_checker import agentic_checker

    report = report or AgreementReport()
    for category in categories or list(MEMORY_CATEGORIES):
        questions = [e for g in load_memory(category).values() for e in g if not e.is_prereq]
        for i, q in enumerate(questions):
            answer = (q.answers or [""])[0]
            other = (questions[i - 1].answers or ["zz"])[0]
            cases = {
                "reference": json.dumps({"answer": answer, "context": "from memory"}),
                "bare": answer,
                "sentence": f"I believe it is {answer.upper()}, as you told me.",
                "glued": f"x{answer}y",
                "wrong_answer": json.dumps({"answer": other, "context": "guess"}),
                "no_answer": "I do not know",
            }
            for case, reply in cases.items():
                ours = answer_verdict(reply, q.answers or [])
                ref = agentic_checker(reply, list(q.answers or []))
                report.cases[category] += 1
                report.per_case[case]["cases"] += 1
                if case == "reference" and not ref["valid"]:
                    report.known_bad.append(
                        {
                            "id": q.id,
                            "category": category,
                            "bfcl": {"valid": False},
                            "ours": ours.to_dict(),
                        }
                    )
                if ours.valid == bool(ref["valid"]):
                    report.agreed[category] += 1
                    report.error_type_agreed[category] += 1
                    report.per_case[case]["agreed"] += 1
                else:
                    report.disagreements.append(
                        Disagreement(q.id, category, case, ours.to_dict(), dict(ref), reply)
                    )
    return report
