"""The simulated user: who writes the user turns of a session.

`ScriptedUser` sends the session file's turns as written. `PolicyUser` lets any policy backend
(`agent_rl.rollout.make_policy` specs: a local model, an OpenAI-compatible server, the tiny
model, ...) play the user: it sees the session's goal and the conversation from the user's
side and words the next question itself (it is told which fact to ask about, so the gold
answer stays valid). Its messages go through the chat format like any policy's, so the user
model needs no API of its own.
"""

from __future__ import annotations

from typing import Any, Protocol

from agent_rl.envs.search.sessions import Session


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


class PolicyUser:
    """A policy backend plays the user from the session's goal (through the shared
    `agent_rl.rollout.user.UserModel`: roles swapped, early stops replaced by the scripted
    question and counted).

    Args:
        policy: a `Policy` or a `make_policy` spec string.
        chat_format: the chat format that renders the user model's prompt (default V3.1).
        max_tokens: tokens per user message.
        temperature: sampling temperature (0: greedy).
    """

    def __init__(
        self, policy: Any, *, chat_format: Any = None, max_tokens: int = 64,
        temperature: float = 0.0,
    ) -> None:  # fmt: skip
        from agent_rl.rollout.user import UserModel

        self.model = UserModel(
            policy, chat_format=chat_format, max_tokens=max_tokens, temperature=temperature
        )

    def message(
        self,
        session: Session,
        index: int,
        history: list[dict[str, Any]],
        *,
        clarification: bool = False,
    ) -> str:
        turn = session.turns[index]
        intent = (turn.clarification or turn.user) if clarification else turn.user
        language = "Chinese" if session.lang == "zh" else "English"
        system = USER_PROMPT.format(goal=session.goal, language=language, intent=intent)
        # The gold answers are what the agent must find; a user model that says one leaks it
        # (strings the scripted question itself contains are not a leak).
        hidden = [a for a in turn.answers if len(a) >= 3 and a.casefold() not in intent.casefold()]
        return self.model.say(system, history, intent, hidden=hidden)
