"""`agent_rl/ToolWorld-v0`: tasks over stateful simulated services, judged by what happened.

Each task names a suite (`files`, `calendar`, `bank`, `shop`: `services/`), an initial state, the
user's request and, for multi-turn tasks, follow-up user turns. The service's methods are the
tools; every call goes through `agent_rl.tools.ToolSet` (JSON-schema validation before the
call). State persists across the steps of an episode and is reloaded at every reset.

A reply without tool calls answers the user: the next scripted (or model-played) user turn
follows, and after the last one the episode is judged (`judge.py`: final state, milestones
in partial order, minefields, the answer; partial credit per suite).

Mistakes are explained in the observation and penalised as `judge.py` documents:
- invalid calls (unknown tool, bad JSON, arguments that break the schema, unreadable calls):
  the tool message says what was wrong (with the schema);
- a repeated identical call (same tool and arguments, no state change since): not run
  again; the observation says so and repeats the earlier result;
- calls after the final answer: a message whose text starts with "Final answer:" ends the
  episode; tool calls in it are not run and each is penalised;
- runaway loops: more than `max_calls` tool calls end the episode with reward 0.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.source import shared_tasks, split_tasks
from agent_rl.envs.core.task import Task
from agent_rl.envs.function_call.judge import Episode, WorldScorer
from agent_rl.envs.function_call.services import SUITES, Service
from agent_rl.envs.function_call.tasks import load_tasks, shipped_tasks
from agent_rl.envs.function_call.user import ScriptedUser, SimulatedUser
from agent_rl.tools import ToolSet, decode_arguments

from agent_rl.errors import ConfigError

SYSTEM_PROMPT = (
    "You help a user by calling the available tools. Call tools to look things up and to act; "
    "never guess what a tool can tell you. When the request is done (or cannot be done), "
    "reply to the user without calling a tool."
)
FINAL_MARK = "final answer:"
INVALID_KINDS = ("unknown_tool", "invalid_json", "invalid_arguments")


class ToolWorldEnv(AgentEnv):
    """Stateful simulated services (files, calendar, bank, shop), judged by state and events.

    Args:
        split: "train", "test" or "all" (hashed by the request, `split_key`; 20% test).
        source: a task JSONL file (default: the shipped tasks).
        suites: keep only these suites (default: all).
        user: "scripted", or a `make_policy` spec for a model-played user.
        max_calls: tool calls per episode before it is stopped as a runaway (reward 0).
        max_turns: assistant messages per episode before truncation.
    """

    description = (
        "Stateful simulated services (files, calendar, bank, shop) judged by final state, "
        "milestones and minefields"
    )
    train_settings: ClassVar[dict[str, Any]] = {"max_tokens": 512, "max_turns": 12}

    def __init__(
        self,
        split: str = "train",
        *,
        source: str | Path | None = None,
        suites: Sequence[str] | str | None = None,
        tasks: Sequence[Task | dict[str, Any]] | None = None,
        user: str | SimulatedUser = "scripted",
        max_calls: int = 30,
        max_turns: int = 24,
    ) -> None:
        if isinstance(suites, str):
            suites = [s.strip() for s in suites.split(",") if s.strip()]
        unknown = [s for s in suites or () if s not in SUITES]
        if unknown:
            raise ConfigError(f"unknown suite(s) {unknown}; suites: {list(SUITES)}", key="suites")
        if tasks is None:
            key = ("toolworld", str(source) if source else "shipped")
            tasks = shared_tasks(key, (lambda: load_tasks(source)) if source else shipped_tasks)
            tasks = split_tasks(tasks, split)
        chosen = [Task.from_dict(t) for t in tasks]
        if suites:
            chosen = [t for t in chosen if t.metadata.get("suite") in suites]
        self.services: dict[str, Service] = {name: cls() for name, cls in SUITES.items()}
        self.toolsets = {name: ToolSet(s.tools()) for name, s in self.services.items()}
        every_tool = ToolSet([t for ts in self.toolsets.values() for t in ts])
        super().__init__(
            chosen, toolset=every_tool, max_turns=max_turns, system_prompt=SYSTEM_PROMPT
        )
        self.user: SimulatedUser = (
            ScriptedUser()
            if user == "scripted"
            else (user if not isinstance(user, str) else _policy_user(user))
        )
        self.max_calls = max_calls
        self.scorer = WorldScorer()

    # ----------------------------------------------------------------------- episode
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        messages, info = super().reset(seed=seed, options=options)
        assert self.task is not None
        self.suite = str(self.task.metadata["suite"])
        self.service = self.services[self.suite]
        self.service.load(self.task.metadata.get("initial_state") or {})
        self.toolset = self.toolsets[self.suite]
        self.user_turn = 0
        self.steps_in_turn = 0
        self.episode = Episode(
            suite=self.suite,
            state={},
            events=self.service.events,
            initial_state=dict(self.task.metadata.get("initial_state") or {}),
        )
        self.seen: dict[str, str] = {}
        return messages, info

    def tool_specs(self) -> list[dict[str, Any]]:
        if self.task is None:
            return copy.deepcopy(self.toolset.specs()) if self.toolset else []
        return copy.deepcopy(self.toolsets[str(self.task.metadata["suite"])].specs())

    def on_step(self, action: Message) -> StepOutcome:
        calls = action.get("tool_calls") or []
        text = str(action.get("content") or "")
        if calls and text.strip().casefold().startswith(FINAL_MARK):
            self.episode.calls_after_final += len(calls)
            notes = [
                f"{len(calls)} tool call(s) came with the final answer and were not run "
                "(each costs 0.1 of the reward)."
            ]
            return self._judge(text, notes)
        if calls:
            return self._run_calls(calls)
        if action.get("parse_errors"):
            self.episode.invalid_calls += 1
            if self.turn < self.max_turns:
                outcome = self.on_parse_errors(action, list(action["parse_errors"]))
                outcome.messages[0]["content"] += " (An unreadable call costs 0.1 of the reward.)"
                return outcome
        self.episode.replies.append(text)
        if self.user_turn < len(self.task.metadata.get("user_turns") or []):  # type: ignore[union-attr]
            message = self.user.message(self.task, self.user_turn, self.history)  # type: ignore[arg-type]
            self.user_turn += 1
            self.steps_in_turn = 0
            return StepOutcome(messages=[{"role": "user", "content": message}])
        return self._judge("", [])

    def _run_calls(self, calls: list[dict[str, Any]]) -> StepOutcome:
        self.steps_in_turn += 1
        messages: list[Message] = []
        for call in calls:
            self.episode.calls += 1
            if self.episode.calls > self.max_calls:
                self.episode.runaway = True
                return self._judge(
                    "",
                    [
                        f"More than {self.max_calls} tool calls: the episode is "
                        "stopped as a runaway loop (reward 0)."
                    ],
                    messages,
                )
            function = call.get("function") or {}
            key = json.dumps(
                [function.get("name"), _canonical(function.get("arguments"))], sort_keys=True
            )
            if key in self.seen:
                self.episode.repeated_calls += 1
                content = (
                    "You already made this exact call and nothing has changed since; it "
                    "was not run again (a repeated call costs 0.1 of the reward). Its "
                    f"result was: {self.seen[key]}"
                )
                messages.append(_tool_message(call, content))
                continue
            events_before = len(self.service.events)
            result = self.toolset.call(call)
            content = result.content
            if result.error in INVALID_KINDS:
                self.episode.invalid_calls += 1
                content += " (An invalid call costs 0.1 of the reward.)"
            if len(self.service.events) != events_before:
                self.seen.clear()  # the state changed: earlier reads may differ now
            else:
                self.seen[key] = result.content
            messages.append(result.to_message(call) | {"content": content})
        return StepOutcome(messages=messages)

    def _judge(
        self, reply: str, notes: list[str], messages: list[Message] | None = None
    ) -> StepOutcome:
        assert self.task is not None
        self.episode.state = self.service.state()
        if reply and (not self.episode.replies or self.episode.replies[-1] != reply):
            self.episode.replies.append(reply)
        self.episode.notes = notes
        score = self.scorer.score(self.episode, self.task)
        out = list(messages or [])
        if notes:
            out.append({"role": "user", "content": " ".join(notes)})
        return StepOutcome(messages=out, score=score, terminated=True)

    # ----------------------------------------------------------------------- oracle
    def reference_action(self) -> Message | None:
        if self.task is None:
            return None
        solution = self.task.metadata["solution"][self.user_turn]
        if self.steps_in_turn < len(solution["steps"]):
            step = solution["steps"][self.steps_in_turn]
            return {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    tool_call(c["name"], c["arguments"], f"call_{self.turn}_{i}")
                    for i, c in enumerate(step)
                ],
            }
        return {"role": "assistant", "content": solution["reply"]}

    def wrong_action(self) -> Message:
        return {"role": "assistant", "content": "I do not know."}


def _canonical(arguments: Any) -> Any:
    """The arguments as the repeated-call key sees them: decoded JSON, or (what cannot be
    decoded or would not survive `json.dumps`: a huge integer, deep nesting) the text itself."""
    value, problem = decode_arguments(arguments)
    if problem is None:
        return value
    return arguments if isinstance(arguments, str) else f"unreadable arguments: {problem}"


def _tool_message(call: dict[str, Any], content: str) -> Message:
    return {
        "role": "tool",
        "tool_call_id": call.get("id"),
        "name": (call.get("function") or {}).get("name"),
        "content": content,
    }


@functools.lru_cache(maxsize=4)
def _policy_user(spec: str) -> SimulatedUser:
    """One model-played user per spec and process (every episode builds a new env)."""
    from agent_rl.envs.function_call.user import PolicyUser

    return PolicyUser(spec)
