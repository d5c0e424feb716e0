"""A policy that plays the user: the one mechanism behind every family's simulated user.

Families with a conversation (ToolWorld tasks, search sessions) send follow-up user turns.
Scripted turns need nothing from here; a *model-played* user does: any policy backend
(`make_policy` specs: a local model, an OpenAI-compatible server, the tiny model) writes the
next user message from a family-written system prompt (persona, goal, the fact to ask for) and
the conversation seen from the user's side (roles swapped, tool traffic left out).

Model-played users fail in two known ways, both guarded here so no family repeats the rule:
- stopping early: an empty message, or one saying the conversation is over (`###STOP###`,
  "bye", "that's all") while turns remain;
- leaking the answer: a message containing a string the agent must find out itself.
Either way the scripted turn (`intent`) is sent instead and the event is counted
(`early_stops`, `leaks`), so a report can say how often the user model misbehaved.

Envs take a user object through their own small protocol and never import this module at
import time (it needs the chat format and a policy, which envs do not know).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from agent_rl.aio import run_sync

STOP_MARK = "###STOP###"
_STOP = re.compile(r"###stop###|^\s*(bye|goodbye|that'?s all|thanks,? that'?s it)\W*$", re.I)


def user_view(system: str, history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The user model's conversation: its instructions, then the chat with roles swapped (the
    assistant's replies are its input), tool calls and results left out."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for m in history:
        if m.get("role") == "user":
            messages.append({"role": "assistant", "content": m.get("content") or ""})
        elif m.get("role") == "assistant" and not m.get("tool_calls"):
            messages.append({"role": "user", "content": m.get("content") or ""})
    if messages[-1]["role"] != "user":
        messages.append({"role": "user", "content": "(your turn)"})
    return messages


class UserModel:
    """A policy writing user messages, with the early-stop and leak guards.

    Args:
        policy: a `Policy` or a `make_policy` spec string.
        chat_format: renders the user model's prompt (default: V3.1 on the tiny tokenizer).
        max_tokens: tokens per user message.
        temperature: sampling temperature (0: greedy).
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
        self.early_stops = 0
        self.leaks = 0
        self._lock = threading.Lock()

    def generate(self, messages: list[dict[str, Any]], intent: str) -> str:
        """The model's next message for `messages` (the oracle policy answers with `intent`)."""
        from agent_rl.rollout.backends.base import GenerationContext, decode_ids

        ids = list(self.chat_format.encode_prompt(messages, thinking=False))
        context = GenerationContext(
            messages=messages, reference=lambda: {"role": "assistant", "content": intent}
        )
        generation = run_sync(self.policy.generate(ids, self.params, context))
        parsed = self.chat_format.parse(
            decode_ids(self.chat_format, generation.token_ids), thinking=False
        )
        return str(parsed.get("content") or "").strip()

    def say(
        self,
        system: str,
        history: Sequence[dict[str, Any]],
        intent: str,
        *,
        hidden: Iterable[str] = (),
    ) -> str:
        """The user's next message, or `intent` when the model stopped early or leaked one of
        the `hidden` strings (each replacement counted)."""
        text = self.generate(user_view(system, history), intent)
        if not text or _STOP.search(text):
            with self._lock:
                self.early_stops += 1
            return intent
        if any(s and s.casefold() in text.casefold() for s in hidden):
            with self._lock:
                self.leaks += 1
            return intent
        return text
