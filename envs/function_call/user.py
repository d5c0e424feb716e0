"""Who writes the follow-up user turns of a ToolWorld task.

`ScriptedUser` sends the task's `user_turns` in order, one after each assistant reply without
tool calls: it never stops early and never says more than the task wrote.

`PolicyUser` lets any policy backend (`make_policy` specs) play the user from the task's
persona and goal. Model-played users are known to fail in two ways, and both are guarded:
- stopping early: a message that is empty or says the conversation is over (`###STOP###`,
  "bye", "that's all") while scripted turns remain is replaced by the scripted turn;
- leaking the answer: a message containing a string the agent must find out itself (the
  task's `answer_contains`) is replaced by the scripted turn.
Each replacement is counted (`early_stops`, `leaks`) so a report can say how often the user
model misbehaved.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from agent_rl.envs.core.task import Task

STOP_MARK = "###STOP###"
_STOP = re.compile(r"###stop###|^\s*(bye|goodbye|that'?s all|thanks,? that'?s it)\W*$", re.I)
USER_PROMPT = (
    "You are playing a user who talks to an assistant that can use tools.\n"
    "Persona: {persona}\nYour goal: {goal}\n"
    "Write only your next message to the assistant, one or two sentences, asking for this next "
    'step in your own words: "{intent}". Never give the assistant facts it should look up. '
    f"Write {STOP_MARK} only when your goal is fully met."
)


class SimulatedUser(Protocol):
    def message(self, task: Task, index: int, history: Sequence[dict[str, Any]]) -> str:
        """The user message of follow-up turn `index` (0 = the first of `user_turns`)."""
        ...


class ScriptedUser:
    """The task's follow-up turns, exactly as written."""

    def message(self, task: Task, index: int, history: Sequence[dict[str, Any]]) -> str:
        return str(task.metadata["user_turns"][index])


def _run_sync(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class PolicyUser:
    """A policy plays the user (see the module docstring for the guards).

    Args:
        policy: a `Policy` or a `make_policy` spec string.
        chat_format: renders the user model's prompt (default: V3.1).
        max_tokens: tokens per user message.
        temperature: sampling temperature.
    """

    def __init__(
        self,
        policy: Any,
        *,
        chat_format: Any = None,
        max_tokens: int = 96,
        temperature: float = 0.0,
    ) -> None:
        from agent_rl.rollout import SamplingParams, make_policy

        if chat_format is None:
            from agent_rl.chat_format import get_chat_format

            chat_format = get_chat_format("deepseek_v31")
        self.chat_format = chat_format
        self.policy = (
            make_policy(policy, chat_format=chat_format) if isinstance(policy, str) else policy
        )
        self.params = SamplingParams(temperature=temperature, max_tokens=max_tokens)
        self.leaks = 0
        self.early_stops = 0
        self._lock = threading.Lock()

    def prompt(
        self, task: Task, intent: str, history: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The user model's view: roles swapped, tool traffic left out."""
        meta = task.metadata
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "content": USER_PROMPT.format(
                    persona=meta.get("persona", "a user"),
                    goal=meta.get("goal", task.prompt),
                    intent=intent,
                ),
            }
        ]
        for m in history:
            if m.get("role") == "user":
                messages.append({"role": "assistant", "content": m.get("content") or ""})
            elif m.get("role") == "assistant" and not m.get("tool_calls"):
                messages.append({"role": "user", "content": m.get("content") or ""})
        if messages[-1]["role"] != "user":
            messages.append({"role": "user", "content": "(your turn)"})
        return messages

    def generate(self, messages: list[dict[str, Any]], intent: str) -> str:
        from agent_rl.rollout.backends.base import GenerationContext, decode_ids

        ids = list(self.chat_format.encode_prompt(messages, thinking=False))
        context = GenerationContext(
            messages=messages, reference=lambda: {"role": "assistant", "content": intent}
        )
        generation = _run_sync(self.policy.generate(ids, self.params, context))
        parsed = self.chat_format.parse(
            decode_ids(self.chat_format, generation.token_ids), thinking=False
        )
        return str(parsed.get("content") or "").strip()

    def message(self, task: Task, index: int, history: Sequence[dict[str, Any]]) -> str:
        intent = str(task.metadata["user_turns"][index])
        text = self.generate(self.prompt(task, intent, history), intent)
        hidden = [s for s in getattr(task.target, "answer_contains", ()) if s]
        if not text or _STOP.search(text):
            with self._lock:
                self.early_stops += 1
            return intent
        if any(s.casefold() in text.casefold() for s in hidden):
            with self._lock:
                self.leaks += 1
            return intent
        return text
