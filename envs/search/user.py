"""The simulated user: who writes the user turns of a session.

`ScriptedUser` sends the session file's turns as written. `PolicyUser` lets any policy backend
(`agent_rl.rollout.make_policy` specs: a local model, an OpenAI-compatible server, the tiny
model, ...) play the user: it sees the session's goal and the conversation from the user's
side and words the next question itself (it is told which fact to ask about, so the gold
answer stays valid). Its messages go through the chat format like any policy's, so the user
model needs no API of its own.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Protocol

from agent_rl.envs.search.sessions import Session, Turn


class SimulatedUser(Protocol):
    """Writes the user message that opens turn `index` (or its clarification)."""

    def message(
        self,
        session: Session,
        index: int,
        history: list[dict[str, Any]],
        *,
        clarification: bool = False,
    ) -> str: ...


class ScriptedUser:
    """The turns (and clarifications) exactly as the session file has them."""

    def message(
        self,
        session: Session,
        index: int,
        history: list[dict[str, Any]],
        *,
        clarification: bool = False,
    ) -> str:
        turn = session.turns[index]
        return (turn.clarification or turn.user) if clarification else turn.user


USER_PROMPT = (
    "You are a user talking to a search assistant. Your goal: {goal}\n"
    "Write only your next message to the assistant, in {language}, one short question or "
    'sentence. It must ask for the same fact as: "{intent}"'
)


def _run_sync(coro: Any) -> Any:
    """Run a coroutine from sync code, also when the calling thread has a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class PolicyUser:
    """A policy backend plays the user from the session's goal.

    Args:
        policy: a `Policy` or a `make_policy` spec string.
        chat_format: the chat format that renders the user model's prompt (default V3.1).
        max_tokens: tokens per user message.
        temperature: sampling temperature (0: greedy).
        fallback: the scripted text is sent when the model writes nothing usable.
    """

    def __init__(
        self,
        policy: Any,
        *,
        chat_format: Any = None,
        max_tokens: int = 64,
        temperature: float = 0.0,
        fallback: bool = True,
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
        self.fallback = fallback

    def prompt(
        self, session: Session, turn: Turn, history: list[dict[str, Any]], intent: str
    ) -> list[dict[str, Any]]:
        """The user model's conversation: roles swapped, so the assistant's replies are its input."""
        language = "Chinese" if session.lang == "zh" else "English"
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "content": USER_PROMPT.format(goal=session.goal, language=language, intent=intent),
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

    def message(
        self,
        session: Session,
        index: int,
        history: list[dict[str, Any]],
        *,
        clarification: bool = False,
    ) -> str:
        from agent_rl.rollout.backends.base import GenerationContext, decode_ids

        turn = session.turns[index]
        intent = (turn.clarification or turn.user) if clarification else turn.user
        messages = self.prompt(session, turn, history, intent)
        ids = list(self.chat_format.encode_prompt(messages, thinking=False))
        reference = {"role": "assistant", "content": intent}
        context = GenerationContext(messages=messages, reference=lambda: dict(reference))
        generation = _run_sync(self.policy.generate(ids, self.params, context))
        parsed = self.chat_format.parse(
            decode_ids(self.chat_format, generation.token_ids), thinking=False
        )
        text = (parsed.get("content") or "").strip()
        if not text and self.fallback:
            return intent
        return text
