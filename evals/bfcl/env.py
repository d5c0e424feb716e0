"""An eval-only env that poses BFCL entries to a policy and grades the answers.

Single-turn entries: the first assistant message is the answer; its tool calls (JSON
arguments) are decoded into BFCL's form `[{"fn": {"arg": value}}]` and graded by the
project's checker; a message without calls (or with calls the parser could not read) is "no
call". Multi-turn entries: calls run against BFCL's simulated APIs (`APIWorld`), a reply
without calls ends the user's turn and the next turn is sent; at most 20 steps per turn
(BFCL's `MAXIMUM_STEP_LIMIT`), past that the entry is force-terminated as in bfcl-eval. In
`miss_func` entries the held-out functions come back at their turn inside the user message,
as BFCL's prompting mode does (the tool list of a rollout is fixed at reset).

The env never sees the chat template: the rollout engine renders the tools into the system
prompt (the V3.1 model card's layout). This env is for evaluation only and is not
registered: BFCL's test data is never used for training.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.task import Task
from agent_rl.evals.bfcl.checker import Verdict, check_entry
from agent_rl.evals.bfcl.data import BFCLEntry, reference_calls
from agent_rl.evals.bfcl.multi_turn import APIWorld, Call, check_multi_turn, parse_call
from agent_rl.tools import decode_arguments

from agent_rl.messages import function_to_spec

MAX_STEPS_PER_TURN = 20
ADDED_FUNCTIONS_PROMPT = (
    "{functions}\nI have updated some more functions you can choose from. What about now?"
)
NO_CALL_REPLY = "None of the available functions can do this."


def tool_specs(functions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """BFCL function docs as OpenAI tool specs (Python type names mapped to JSON schema)."""
    return [function_to_spec(dict(fn)) for fn in functions]


def decode_calls(message: Message) -> list[dict[str, Any]] | None:
    """An assistant message's calls in BFCL's decoded form; None when they cannot be decoded
    (unreadable calls or non-object arguments, which BFCL's decoder would also reject)."""
    if message.get("parse_errors") and not message.get("tool_calls"):
        return None
    decoded = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        raw = function.get("arguments")
        # too deep, a huge integer, NaN: undecodable like invalid JSON, never an exception
        args, problem = decode_arguments(raw if isinstance(raw, str) else (raw or {}))
        if (
            problem is not None
            or not isinstance(args, dict)
            or not isinstance(function.get("name"), str)
        ):
            return None
        decoded.append({function["name"]: args})
    return decoded


def placeholder_arguments(function: Mapping[str, Any]) -> dict[str, Any]:
    """Schema-shaped arguments for a relevance answer (any call counts; no ground truth)."""
    params = function.get("parameters") or {}
    values = {
        "string": "x",
        "integer": 1,
        "float": 1.0,
        "number": 1.0,
        "boolean": True,
        "array": [],
        "tuple": [],
        "dict": {},
        "object": {},
    }
    out = {}
    for name in params.get("required") or []:
        spec = (params.get("properties") or {}).get(name) or {}
        out[name] = spec["enum"][0] if spec.get("enum") else values.get(spec.get("type"), "x")
    return out


class VerdictLog:
    """Verdicts and decoded answers by entry id, shared by the env instances of one run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.verdicts: dict[str, Verdict] = {}
        self.answers: dict[str, Any] = {}

    def record(self, entry_id: str, verdict: Verdict, answer: Any) -> None:
        with self.lock:
            self.verdicts[entry_id] = verdict
            self.answers[entry_id] = answer


class BFCLEnv(AgentEnv):
    """BFCL entries as episodes (evaluation only; see the module docstring)."""

    description = "BFCL entries graded by the project's BFCL checker (eval only, unregistered)"

    def __init__(self, entries: list[BFCLEntry], log: VerdictLog | None = None) -> None:
        self.entries = {e.id: e for e in entries}
        self.log = log or VerdictLog()
        tasks = [
            Task(id=e.id, prompt=_first_user_text(e), metadata={"category": e.category})
            for e in entries
        ]
        most_turns = max(len(e.turns) for e in entries)
        super().__init__(tasks, max_turns=most_turns * (MAX_STEPS_PER_TURN + 1))
        self.entry: BFCLEntry | None = None

    # ----------------------------------------------------------------------- episode
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        messages, info = super().reset(seed=seed, options=options)
        assert self.task is not None
        self.entry = self.entries[self.task.id]
        self.turn_index = 0
        self.steps_in_turn = 0
        self.model_turns: list[list[list[Call]]] = [[]]
        self.world = (
            APIWorld(
                self.entry.involved_classes,
                self.entry.initial_config,
                long_context=self.entry.long_context,
            )
            if self.entry.kind == "multi_turn"
            else None
        )
        return messages, info

    def opening_messages(self, task: Task) -> list[Message]:
        entry = self.entries[task.id]
        return [{"role": m["role"], "content": m.get("content") or ""} for m in entry.turns[0]]

    def tool_specs(self) -> list[dict[str, Any]]:
        if self.task is None:
            return []
        return tool_specs(self.entries[self.task.id].functions)

    def on_step(self, action: Message) -> StepOutcome:
        assert self.entry is not None
        if self.entry.kind != "multi_turn":
            return self._single_turn(action)
        return self._multi_turn(action)

    def _single_turn(self, action: Message) -> StepOutcome:
        entry = self.entry
        assert entry is not None
        decoded = decode_calls(action)
        if decoded is None:
            verdict = (
                Verdict(True)
                if "irrelevance" in entry.category
                else Verdict(False, "ast_decoder:decoder_failed", ("calls could not be decoded",))
            )
        else:
            verdict = check_entry(entry.category, entry.functions, decoded, entry.possible_answer)
        self.log.record(entry.id, verdict, decoded if decoded is not None else [])
        return self._done(verdict)

    def _multi_turn(self, action: Message) -> StepOutcome:
        entry, world = self.entry, self.world
        assert entry is not None and world is not None
        calls = action.get("tool_calls") or []
        if calls:
            self.steps_in_turn += 1
            decoded = decode_calls(action)
            step = [Call(next(iter(c)), (), c[next(iter(c))]) for c in decoded or []]
            if step:
                self.model_turns[-1].append(step)
            messages = []
            for i, call in enumerate(calls):
                if decoded is None:
                    content = "Error during execution: the call's arguments are not a JSON object"
                else:
                    content = world.execute(step[i])
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.get("id"),
                        "name": (call.get("function") or {}).get("name"),
                        "content": content,
                    }
                )
            if self.steps_in_turn >= MAX_STEPS_PER_TURN:
                verdict = Verdict(
                    False,
                    "multi_turn:force_terminated",
                    (f"more than {MAX_STEPS_PER_TURN} steps in turn {self.turn_index}",),
                )
                self.log.record(entry.id, verdict, self._answer())
                return StepOutcome(
                    messages=messages, terminated=True, info={"bfcl": verdict.to_dict()}
                )
            return StepOutcome(messages=messages)
        # a reply without calls ends the user's turn
        self.turn_index += 1
        self.steps_in_turn = 0
        if self.turn_index >= len(entry.turns):
            verdict = check_multi_turn(entry, self.model_turns)
            self.log.record(entry.id, verdict, self._answer())
            return self._done(verdict)
        self.model_turns.append([])
        return StepOutcome(messages=self._turn_messages(self.turn_index))

    def _turn_messages(self, index: int) -> list[Message]:
        entry = self.entry
        assert entry is not None
        added = entry.missed_function.get(str(index))
        if added:
            text = ADDED_FUNCTIONS_PROMPT.format(functions=json.dumps(tool_specs(added)))
            return [{"role": "user", "content": text}]
        return [{"role": m["role"], "content": m.get("content") or ""} for m in entry.turns[index]]

    def _answer(self) -> list[list[list[str]]]:
        return [[[c.to_string() for c in step] for step in turn] for turn in self.model_turns]

    @staticmethod
    def _done(verdict: Verdict) -> StepOutcome:
        return StepOutcome(
            reward=1.0 if verdict.valid else 0.0, terminated=True, info={"bfcl": verdict.to_dict()}
        )

    # ----------------------------------------------------------------------- oracle
    def reference_action(self) -> Message | None:
        entry = self.entry
        if entry is None:
            return None
        if entry.kind == "relevance":
            if "irrelevance" in entry.category or not entry.functions:
                return {"role": "assistant", "content": NO_CALL_REPLY}
            fn = entry.functions[0]
            return _calls_message([(fn["name"], placeholder_arguments(fn))])
        if entry.kind == "ast":
            return _calls_message(
                [
                    (name, args)
                    for c in reference_calls(entry.possible_answer)
                    for name, args in c.items()
                ]
            )
        assert self.world is not None
        truth = (
            entry.possible_answer[self.turn_index]
            if self.turn_index < len(entry.possible_answer)
            else []
        )
        if self.model_turns[-1] or not truth:  # this turn's calls are made: end the turn
            return {"role": "assistant", "content": "Done."}
        calls = [self.world.keyword_call(parse_call(text)) for text in truth]
        return _calls_message([(c.name, c.kwargs) for c in calls])


def _calls_message(calls: list[tuple[str, dict[str, Any]]]) -> Message:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [tool_call(name, args, f"call_{i}") for i, (name, args) in enumerate(calls)],
    }


def _first_user_text(entry: BFCLEntry) -> str:
    for message in entry.turns[0]:
        if message.get("role") == "user" and str(message.get("content") or "").strip():
            return str(message["content"])
    return entry.id
