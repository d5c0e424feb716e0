"""Who writes the follow-up user turns of a ToolWorld task.

`ScriptedUser` sends the task's `user_turns` in order, one after each assistant reply without
tool calls: it never stops early and never says more than the task wrote.

`PolicyUser` lets any policy backend (`make_policy` specs) play the user from the task's
persona and goal, through the shared `agent_rl.rollout.user.UserModel`, whose guards replace a
message that stops early or leaks a string of the task's `answer_contains` with the scripted
turn (counted as `early_stops` and `leaks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from agent_rl.envs.core.task import Task

USER_PROMPT = (
    "You are playing a user who talks to an assistant that can use tools.\n"
    "Persona: {persona}\nYour goal: {goal}\n"
    "Write only your next message to the assistant, one or two sentences, asking for this next "
    'step in your own words: "{intent}". Never give the assistant facts it should look up. '
    "Write ###STOP### only when your goal is fully met."
)


class SimulatedUser(Protocol):
    def message(self, task: Task, index: int, history: Sequence[dict[str, Any]]) -> str:
        """The user message of follow-up turn `index` (0 = the first of `user_turns`)."""
        ...


class ScriptedUser:
    """The task's follow-up turns, exactly as written."""

    def message(self, task: Task, index: int, history: Sequence[dict[str, Any]]) -> str:
        return str(task.metadata["user_turns"][index])


class PolicyUser:
    """A policy plays the user (`UserModel`'s arguments: policy, chat_format, max_tokens,
    temperature)."""

    def __init__(self, policy: Any, **kwargs: Any) -> None:
        from agent_rl.rollout.user import UserModel

        self.model = UserModel(policy, **kwargs)

    @property
    def early_stops(self) -> int:
        return self.model.early_stops

    @property
    def leaks(self) -> int:
        return self.model.leaks

    def message(self, task: Task, index: int, history: Sequence[dict[str, Any]]) -> str:
        intent = str(task.metadata["user_turns"][index])
        meta = task.metadata
        system = USER_PROMPT.format(
            persona=meta.get("persona", "a user"), goal=meta.get("goal", task.prompt), intent=intent
        )
        hidden = getattr(task.target, "answer_contains", ())
        return self.model.say(system, history, intent, hidden=hidden)
