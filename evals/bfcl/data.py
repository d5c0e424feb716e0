"""BFCL entries as shipped by bfcl-eval: questions, function docs and possible answers.

`load_category(name)` returns `BFCLEntry`s with the prompt turns, BFCL's own function docs
(the checker reads these, with BFCL's Python type names) and the possible answer. Prompts
carry no language hints (Python categories only) and multi-turn entries get their function
docs from the involved API classes, with the held-out functions of `miss_func` moved to
the turn where they are added back, exactly as bfcl-eval's `load_dataset_entry` prepares them.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_rl.evals.bfcl import upstream
from agent_rl.evals.bfcl.categories import (
    AST_CATEGORIES,
    MULTI_TURN_CATEGORIES,
    RELEVANCE_CATEGORIES,
)

from agent_rl.errors import ConfigError, DataError


@dataclass(frozen=True)
class BFCLEntry:
    """One BFCL test entry."""

    id: str
    category: str
    turns: list[list[dict[str, Any]]]
    """Messages of each user turn (one turn for single-turn categories)."""
    functions: list[dict[str, Any]]
    """BFCL's function docs, as its checker reads them."""
    possible_answer: Any = None
    """AST: `[{"fn": {"arg": [values]}}]`; multi-turn: call strings per turn; None: none."""
    initial_config: dict[str, Any] = field(default_factory=dict)
    involved_classes: list[str] = field(default_factory=list)
    missed_function: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Multi-turn miss_func: turn index -> function docs added back at that turn."""

    @property
    def kind(self) -> str:
        if self.category in MULTI_TURN_CATEGORIES:
            return "multi_turn"
        if self.category in RELEVANCE_CATEGORIES:
            return "relevance"
        return "ast"

    @property
    def long_context(self) -> bool:
        return "long_context" in self.category


@functools.cache
def _load(category: str) -> tuple[BFCLEntry, ...]:
    bfcl = upstream.utils()
    try:
        prompts = bfcl.load_dataset_entry(
            category, include_prereq=False, include_language_specific_hint=False
        )
    except FileNotFoundError as exc:
        raise DataError(f"bfcl-eval ships no data for {category!r}: {exc}") from exc
    answers: list[Any] = [None] * len(prompts)
    if category not in RELEVANCE_CATEGORIES:
        truth = bfcl.load_ground_truth_entry(category)
        if len(truth) != len(prompts):
            raise DataError(
                f"{category}: {len(prompts)} questions but {len(truth)} possible answers"
            )
        answers = [t.get("ground_truth") for t in truth]  # aligned by index, as bfcl-eval
    entries = []
    for raw, answer in zip(prompts, answers, strict=True):
        question = raw.get("question")
        if not isinstance(question, list) or not question:
            raise DataError("question must be a non-empty list", key=f"{raw.get('id')}.question")
        if isinstance(question[0], dict):
            question = [question]
        entries.append(
            BFCLEntry(
                id=str(raw["id"]),
                category=category,
                turns=copy.deepcopy(question),
                functions=copy.deepcopy(list(raw.get("function") or [])),
                possible_answer=answer,
                initial_config=copy.deepcopy(raw.get("initial_config") or {}),
                involved_classes=list(raw.get("involved_classes") or []),
                missed_function=copy.deepcopy(raw.get("missed_function") or {}),
            )
        )
    return tuple(entries)


def load_category(category: str, limit: int | None = None) -> list[BFCLEntry]:
    """The entries of one runnable category (the first `limit` when given)."""
    if category not in AST_CATEGORIES + RELEVANCE_CATEGORIES + MULTI_TURN_CATEGORIES:
        raise ConfigError(f"category {category!r} cannot be loaded here", key="categories")
    entries = list(_load(category))
    return entries if limit is None else entries[: max(limit, 0)]


def first_choice(value: Any) -> Any:
    """The first acceptable value; dicts (and lists of dicts) of options recurse (optional
    keys, whose first option is "", are left out)."""
    if isinstance(value, dict):
        out = {}
        for key, options in value.items():
            chosen = options[0] if isinstance(options, list) and options else options
            if chosen == "":
                continue
            out[key] = first_choice(chosen)
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [first_choice(v) for v in value]
    return value


def reference_calls(possible_answer: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The oracle's decoded answer: each call with the first acceptable value of each arg."""
    calls = []
    for item in possible_answer:
        ((name, params),) = item.items()
        args = {}
        for arg, options in params.items():
            if not isinstance(options, list):
                raise DataError(f"{name}.{arg}: acceptable values must be a list")
            if not options or options[0] == "":  # optional (or, bad data, no value at all)
                continue
            args[arg] = first_choice(options[0])
        calls.append({name: args})
    return calls
