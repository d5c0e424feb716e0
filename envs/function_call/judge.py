"""How a ToolWorld episode is judged (the reward rules, documented once, used by every suite).

1. A minefield (a forbidden event: a call the task says must not happen) or a runaway episode
   (more tool calls than `max_calls`) gives reward 0.
2. Components, each in [0, 1]:
   - `state`: over the suite's compared keys that the task changes or the agent changed
     (keys whose expected or actual final value differs from the initial one), the share
     whose actual value is the expected one; 1.0 when neither changed anything. Doing
     nothing earns nothing on a task that needs changes, and collateral damage counts
     against the agent;
   - `milestones`: share of the milestones achieved, in their partial order (a milestone
     counts when a matching successful call happened after the calls of every milestone it
     names in `after`);
   - `answer` (only when the task needs one): 1 when the replies to the user (one per user
     turn) together contain every expected string (numbers match as numbers: "1,234.5"
     matches "1234.50") and each reply is at most 600 characters (so a reply that lists
     everything cannot game it).
3. Base reward: suites with partial credit (files, calendar, shop) take the weighted mean
   state 0.5, milestones 0.3, answer 0.2 over the components present; the bank suite is all
   or nothing (1 only when every component is 1).
4. Discipline: each invalid call (unknown tool, bad JSON, schema violation, unreadable call),
   repeated identical call, or call made together with the final answer costs 0.1 of the
   reward, at most 0.5 in all: reward = base x (1 - min(0.5, 0.1 x count)).
Success means reward 1.0: everything right and no penalty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_rl.envs.core.scoring import Score, Scorer
from agent_rl.envs.core.task import Task
from agent_rl.envs.function_call.services import SUITES, Event
from agent_rl.envs.function_call.targets import WorldTarget

WEIGHTS = {"state": 0.5, "milestones": 0.3, "answer": 0.2}
PENALTY_PER_FAULT = 0.1
MAX_PENALTY = 0.5
MAX_ANSWER_CHARS = 600
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass
class Episode:
    """What the judge needs from an episode."""

    suite: str
    state: dict[str, Any]
    events: list[Event]
    initial_state: dict[str, Any] = field(default_factory=dict)
    replies: list[str] = field(default_factory=list)
    """The assistant's replies to the user (messages without tool calls), in order."""
    invalid_calls: int = 0
    repeated_calls: int = 0
    calls_after_final: int = 0
    runaway: bool = False
    calls: int = 0
    notes: list[str] = field(default_factory=list)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(float(expected), float(actual), abs_tol=0.005)
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.strip().casefold() == actual.strip().casefold()
    return bool(expected == actual)


def matches(pattern: Mapping[str, Any], event: Event) -> bool:
    """An event matches `{"tool", "args": {subset}}` when the tool and every given arg agree."""
    if pattern.get("tool") != event.tool:
        return False
    return all(
        k in event.args and _same(v, event.args[k]) for k, v in (pattern.get("args") or {}).items()
    )


def milestone_share(milestones: Sequence[Mapping[str, Any]], events: Sequence[Event]) -> float:
    """Share of milestones achieved in their partial order (see the module docstring)."""
    if not milestones:
        return 1.0
    at: dict[str, int] = {}
    for m in milestones:  # listed after their prerequisites (checked when tasks load)
        deps = [at.get(d) for d in m.get("after") or []]
        if any(d is None for d in deps):
            continue
        floor = max(deps, default=-1)
        for index, event in enumerate(events):
            if index > floor and matches(m, event):  # type: ignore[operator]
                at[str(m["id"])] = index
                break
    return len(at) / len(milestones)


def _differs(a: Mapping[str, Any], b: Mapping[str, Any], key: str) -> bool:
    if (key in a) != (key in b):
        return True
    return key in a and not _same(a[key], b[key])


def state_share(
    expected: Mapping[str, Any], actual: Mapping[str, Any], initial: Mapping[str, Any]
) -> float:
    """Share of changed keys (by the task or by the agent) that end as expected."""
    keys = {
        k
        for k in set(expected) | set(actual) | set(initial)
        if _differs(expected, initial, k) or _differs(actual, initial, k)
    }
    if not keys:
        return 1.0
    return sum(not _differs(expected, actual, k) for k in keys) / len(keys)


def answer_ok(expected: Sequence[str], replies: Sequence[str]) -> bool:
    if any(len(r) > MAX_ANSWER_CHARS for r in replies):
        return False
    reply = "\n".join(replies)
    text = reply.casefold()
    numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(reply)]
    for want in expected:
        try:
            value = float(want.replace(",", ""))
        except ValueError:
            if want.casefold() not in text:
                return False
            continue
        if not any(math.isclose(value, n, abs_tol=0.005) for n in numbers):
            return False
    return True


class WorldScorer(Scorer[Episode]):
    """The ToolWorld reward (module docstring): minefields, components, discipline."""

    name = "toolworld"

    def score(self, answer: Episode, task: Task) -> Score:
        target = task.target
        if not isinstance(target, WorldTarget):
            return Score.infra(f"task {task.id} has no toolworld target")
        service = SUITES.get(answer.suite)
        if service is None:
            return Score.infra(f"unknown suite {answer.suite!r}")
        hit = [m for m in target.minefields for e in answer.events if matches(m, e)]
        components = {
            "state": state_share(
                service.comparable(target.final_state),
                service.comparable(answer.state),
                service.comparable(answer.initial_state),
            ),
            "milestones": milestone_share(target.milestones, answer.events),
        }
        if target.answer_contains:
            components["answer"] = float(answer_ok(target.answer_contains, answer.replies))
        faults = answer.invalid_calls + answer.repeated_calls + answer.calls_after_final
        discipline = 1.0 - min(MAX_PENALTY, PENALTY_PER_FAULT * faults)
        if service.partial_credit:
            total = sum(WEIGHTS[k] for k in components)
            base = sum(WEIGHTS[k] * v for k, v in components.items()) / total
        else:
            base = 1.0 if all(v == 1.0 for v in components.values()) else 0.0
        components["no_minefield"] = 0.0 if hit else 1.0
        components["no_runaway"] = 0.0 if answer.runaway else 1.0
        components["discipline"] = discipline
        reward = 0.0 if hit or answer.runaway else base * discipline
        details = {
            "calls": answer.calls,
            "invalid_calls": answer.invalid_calls,
            "repeated_calls": answer.repeated_calls,
            "calls_after_final": answer.calls_after_final,
            "minefields_hit": hit[:5],
            "success": reward == 1.0,
        }
        return Score(reward, components, details=details)
