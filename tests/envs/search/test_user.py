"""Simulated users: scripted turns, and a policy backend playing the user from the goal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from agent_rl.envs.search.env import SearchSessionEnv
from agent_rl.envs.search.user import PolicyUser, ScriptedUser

from agent_rl.rollout import Generation, GenerationContext, SamplingParams


class Paraphraser:
    """A user model that rewords the question it is asked to ask (and records its prompt)."""

    def __init__(self, chat_format: Any) -> None:
        self.cf = chat_format
        self.prompts: list[list[dict[str, Any]]] = []

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        from agent_rl.rollout.backends.oracle import encode_completion

        self.prompts.append(list(context.messages))
        intent = context.reference()["content"]
        ids = encode_completion(
            self.cf, {"role": "assistant", "content": f"Please tell me: {intent}"}, False
        )
        return Generation(token_ids=ids, logprobs=[0.0] * len(ids))


@pytest.fixture(scope="module")
def chat_format() -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format("deepseek_v31")


def test_scripted_user_sends_the_file_turns() -> None:
    env = SearchSessionEnv(split="all")
    session = next(s for s in (env._session_of(t) for t in env.tasks) if s.turns[0].clarification)
    user = ScriptedUser()
    assert user.message(session, 0, []) == session.turns[0].user
    assert user.message(session, 0, [], clarification=True) == session.turns[0].clarification


def test_oracle_as_user_reproduces_the_script_through_the_chat_format(chat_format: Any) -> None:
    env = SearchSessionEnv(
        split="test", user=PolicyUser("oracle", chat_format=chat_format), n_sessions=6
    )
    scripted = SearchSessionEnv(split="test", n_sessions=6)
    for task in env.tasks:
        a, _ = env.reset(options={"task": task})
        b, _ = scripted.reset(options={"task": task})
        assert a == b
    report = env.validate()
    assert report.ok, report.summary()


def test_a_policy_plays_the_user_from_the_goal(chat_format: Any) -> None:
    policy = Paraphraser(chat_format)
    env = SearchSessionEnv(
        split="test", user=PolicyUser(policy, chat_format=chat_format), n_sessions=3
    )
    for task in env.tasks:
        messages, _ = env.reset(options={"task": task})
        assert messages[-1]["content"].startswith("Please tell me: ")
        done = False
        while not done:
            _, reward, done, truncated, _ = env.step(env.reference_action())
            done = done or truncated
        assert reward == 1.0  # reworded questions keep their gold answers
    system = policy.prompts[-1][0]
    assert system["role"] == "system" and "Your goal: Find out" in system["content"]
    # the assistant's answers reach the user model as the other side of its conversation
    assert any(
        m["role"] == "user" and m["content"].startswith("Answer:") for m in policy.prompts[-1]
    )


class Leaker(Paraphraser):
    """A user model that blurts out the gold answer of the turn (a known failure of peers)."""

    def __init__(self, chat_format: Any, env: SearchSessionEnv) -> None:
        super().__init__(chat_format)
        self.env = env

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        from agent_rl.rollout.backends.oracle import encode_completion

        self.prompts.append(list(context.messages))
        answer = self.env.session.turns[0].answers[0]
        text = f"I already know it is {answer}, right?"
        return Generation(
            token_ids=encode_completion(self.cf, {"role": "assistant", "content": text}, False)
        )


def test_a_user_model_that_leaks_the_answer_is_replaced_by_the_script(chat_format: Any) -> None:
    env = SearchSessionEnv(split="test", n_sessions=40)
    task = next(
        t
        for t in env.tasks
        if t.target.turns[0]["tag"] == "standalone" and len(t.target.turns[0]["answers"][0]) >= 3
    )
    policy = Leaker(chat_format, env)
    user = PolicyUser(policy, chat_format=chat_format)
    leaky = SearchSessionEnv(split="test", n_sessions=40, user=user)
    policy.env = leaky
    messages, _ = leaky.reset(options={"task": task})
    assert messages[-1]["content"] == task.target.turns[0]["user"]  # the scripted question
    assert user.model.leaks == 1


def test_a_policy_spec_string_plays_the_user_as_on_the_command_line() -> None:
    """`-k user=oracle` (a string, as the CLI passes it) is a model-played user, one per spec
    and process; "scripted" (and no user) is the session file's turns."""
    import gymnasium

    env = gymnasium.make("agent_rl/SearchSession-v0", split="test", n_sessions=2, user="oracle")
    again = SearchSessionEnv(split="test", n_sessions=2, user="oracle")
    assert isinstance(env.unwrapped.user, PolicyUser) and again.user is env.unwrapped.user
    scripted = SearchSessionEnv(split="test", n_sessions=2, user="scripted")
    assert isinstance(scripted.user, ScriptedUser)
    for task in scripted.tasks:  # the oracle playing the user says what the script says
        a, _ = env.reset(options={"task": task})
        b, _ = scripted.reset(options={"task": task})
        assert a == b
