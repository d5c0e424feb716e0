"""BFCL memory categories (memory_kv, memory_rec_sum), offline, with BFCL's memory backends.

As bfcl-eval runs them: for each scenario (student, customer, finance, healthcare,
notetaker) the prerequisite conversations come first, in order: the user tells the agent
facts over several turns, the agent may store them with the memory tools, and the memory is
written to a snapshot at the end of each conversation. Then every question of the scenario
starts from the last snapshot (the core memory is shown in the system prompt, built from
bfcl-eval's own templates) and the agent answers, using the memory tools if it likes. The
answer is the last reply without tool calls; it is right when, after BFCL's standardisation
(drop `,./-_*^()`, lowercase, `'` to `"`), one of the acceptable answers occurs in it as a
whole word (`agentic_checker` rules, reimplemented in `answer_verdict`).

The backends are bfcl-eval's `MemoryAPI_kv` (BM25 search through rank_bm25) and
`MemoryAPI_rec_sum`, imported from the package; snapshots go under the run's folder.
`memory_vector` needs a hub embedding model and is not run.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome
from agent_rl.envs.core.task import Task
from agent_rl.evals.bfcl import upstream
from agent_rl.evals.bfcl.checker import Verdict
from agent_rl.evals.bfcl.env import tool_specs
from agent_rl.evals.bfcl.multi_turn import APIWorld, Call
from agent_rl.tools import decode_arguments

MEMORY_CATEGORIES = ("memory_kv", "memory_rec_sum")
MAX_STEPS_PER_TURN = 20
_STANDARDIZE = re.compile(r"[,./\-_*^()]")


def standardize(text: str) -> str:
    """BFCL's agentic-answer normalisation."""
    return _STANDARDIZE.sub("", text).lower().replace("'", '"')


def answer_verdict(reply: Any, acceptable: Sequence[str]) -> Verdict:
    """Is one acceptable answer a whole word (after standardisation) of the reply?"""
    if isinstance(reply, list):
        reply = reply[0] if reply else ""
    text = standardize(reply if isinstance(reply, str) else str(reply))
    for answer in acceptable:
        if re.search(rf"\b{re.escape(standardize(answer))}\b", text):
            return Verdict(True)
    return Verdict(False, "agentic:answer_not_found", (f"none of {list(acceptable)} found",))


@dataclass(frozen=True)
class MemoryEntry:
    """A prerequisite conversation (no answer) or a question (with acceptable answers)."""

    id: str
    category: str
    scenario: str
    turns: list[list[dict[str, Any]]]
    functions: list[dict[str, Any]]
    involved_class: str
    answers: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_prereq(self) -> bool:
        return self.answers is None


def load_memory(category: str, limit: int | None = None) -> dict[str, list[MemoryEntry]]:
    """Per scenario: its prerequisite conversations in order, then its questions.

    `limit` keeps the first N questions of each scenario (all prerequisites always run).
    """
    bfcl = upstream.utils()
    questions = bfcl.load_dataset_entry(
        category, include_prereq=False, include_language_specific_hint=False
    )
    truth = bfcl.load_ground_truth_entry(category)
    everything = bfcl.load_dataset_entry(
        category, include_prereq=True, include_language_specific_hint=False
    )
    prereqs = {e["id"]: e for e in everything if "prereq" in e["id"]}
    out: dict[str, list[MemoryEntry]] = {}
    for raw, gt in zip(questions, truth, strict=True):
        scenario = raw["scenario"]
        if scenario not in out:
            out[scenario] = [
                _entry(prereqs[pid], category, scenario, None) for pid in raw["depends_on"]
            ]
        n_questions = sum(not e.is_prereq for e in out[scenario])
        if limit is None or n_questions < limit:
            out[scenario].append(_entry(raw, category, scenario, list(gt["ground_truth"])))
    return out


def _entry(
    raw: dict[str, Any], category: str, scenario: str, answers: list[str] | None
) -> MemoryEntry:
    question = raw["question"]
    if question and isinstance(question[0], dict):
        question = [question]
    return MemoryEntry(
        id=raw["id"],
        category=category,
        scenario=scenario,
        turns=copy.deepcopy(question),
        functions=copy.deepcopy(raw["function"]),
        involved_class=raw["involved_classes"][0],
        answers=answers,
    )


def system_prompt(entry: MemoryEntry, world: APIWorld) -> str:
    """bfcl-eval's memory instruction for the scenario, with the core memory's content."""
    upstream.ensure_importable()
    from bfcl_eval.constants.default_prompts import (
        MEMORY_AGENT_SETTINGS,
        MEMORY_BACKEND_INSTRUCTION_CORE_ARCHIVAL,
        MEMORY_BACKEND_INSTRUCTION_UNIFIED,
    )

    backend = next(iter(world.instances.values()))
    template = (
        MEMORY_BACKEND_INSTRUCTION_UNIFIED
        if "rec_sum" in entry.category
        else MEMORY_BACKEND_INSTRUCTION_CORE_ARCHIVAL
    )
    return template.format(
        scenario_setting=MEMORY_AGENT_SETTINGS[entry.scenario],
        memory_content=backend._dump_core_memory_to_context(),
    )


class MemoryLog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.verdicts: dict[str, Verdict] = {}
        self.answers: dict[str, str] = {}


class MemoryEnv(AgentEnv):
    """Memory entries as episodes (evaluation only): prerequisites, then questions."""

    def __init__(self, entries: list[MemoryEntry], snapshot_root: Path, log: MemoryLog) -> None:
        self.entries = {e.id: e for e in entries}
        self.snapshot_root = Path(snapshot_root)
        self.log = log
        tasks = [Task(id=e.id, prompt=e.id) for e in entries]
        most = max(len(e.turns) for e in entries)
        super().__init__(tasks, max_turns=most * (MAX_STEPS_PER_TURN + 1))

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        assert options and options.get("task")
        entry = self.entries[str(options["task"]["id"])]
        config = {
            "model_result_dir": self.snapshot_root,
            "scenario": entry.scenario,
            "test_id": entry.id,
            "test_category": entry.category,
        }
        self.world = APIWorld([entry.involved_class], {entry.involved_class: config})
        self.entry = entry
        self.turn_index = 0
        self.steps_in_turn = 0
        return super().reset(seed=seed, options=options)

    def opening_messages(self, task: Task) -> list[Message]:
        entry = self.entries[task.id]
        first = [{"role": m["role"], "content": m.get("content") or ""} for m in entry.turns[0]]
        prompt = system_prompt(entry, self.world)
        if first and first[0]["role"] == "system":
            first[0]["content"] = prompt + "\n\n" + first[0]["content"]
        else:
            first.insert(0, {"role": "system", "content": prompt})
        return first

    def tool_specs(self) -> list[dict[str, Any]]:
        if self.task is None:
            return []
        return tool_specs(self.entries[self.task.id].functions)

    def on_step(self, action: Message) -> StepOutcome:
        calls = action.get("tool_calls") or []
        if calls:
            self.steps_in_turn += 1
            messages = []
            for call in calls:
                function = call.get("function") or {}
                args, _ = decode_arguments(function.get("arguments") or "{}")
                if isinstance(args, dict):
                    content = self.world.execute(Call(str(function.get("name")), (), args))
                else:
                    content = "Error during execution: the arguments are not a JSON object"
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.get("id"),
                        "name": function.get("name"),
                        "content": content,
                    }
                )
            if self.steps_in_turn >= MAX_STEPS_PER_TURN:
                return self._end(Verdict(False, "agentic:force_terminated"), "")
            return StepOutcome(messages=messages)
        self.turn_index += 1
        self.steps_in_turn = 0
        if self.turn_index < len(self.entry.turns):
            return StepOutcome(
                messages=[
                    {"role": m["role"], "content": m.get("content") or ""}
                    for m in self.entry.turns[self.turn_index]
                ]
            )
        reply = str(action.get("content") or "")
        if self.entry.is_prereq:
            next(iter(self.world.instances.values()))._flush_memory_to_local_file()
            return StepOutcome(reward=1.0, terminated=True)
        return self._end(answer_verdict(reply, self.entry.answers or []), reply)

    def _end(self, verdict: Verdict, reply: str) -> StepOutcome:
        with self.log.lock:
            self.log.verdicts[self.entry.id] = verdict
            self.log.answers[self.entry.id] = reply
        return StepOutcome(
            reward=1.0 if verdict.valid else 0.0, terminated=True, info={"bfcl": verdict.to_dict()}
        )

    def reference_action(self) -> Message | None:
        """Prerequisites: acknowledge; questions: the first acceptable answer, in BFCL's format."""
        if self.entry.is_prereq:
            return {"role": "assistant", "content": "Noted."}
        answer = (self.entry.answers or [""])[0]
        return {
            "role": "assistant",
            "content": json.dumps({"answer": answer, "context": "from memory"}),
        }
