"""The model-played user: guarded against stopping early and leaking the answer."""

from __future__ import annotations

from agent_rl.envs.function_call.toolworld import ToolWorldEnv
from agent_rl.envs.function_call.user import PolicyUser

from agent_rl.chat_format import get_chat_format
from agent_rl.rollout.backends.base import Generation


class ScriptedPolicy:
    """A stand-in user model that says what it is told to (to test the guards)."""

    def __init__(self, chat_format, texts: list[str]) -> None:
        self.chat_format, self.texts, self.prompts = chat_format, list(texts), []

    async def generate(self, prompt_ids, params, context) -> Generation:
        self.prompts.append(list(context.messages))
        text = self.texts.pop(0)
        ids = list(
            self.chat_format.encode_completion(
                {"role": "assistant", "content": text}, thinking=False
            )
        )
        return Generation(token_ids=ids, logprobs=[0.0] * len(ids), text=text, finish_reason="stop")


def _run(texts: list[str]) -> tuple[PolicyUser, list[str]]:
    cf = get_chat_format("deepseek_v31")
    policy = ScriptedPolicy(cf, texts)
    user = PolicyUser(policy, chat_format=cf)
    env = ToolWorldEnv(split="all", user=user)
    task = next(t for t in env.tasks if t.id == "bank-balance-split-0000")
    env.reset(options={"task": task})
    balance = task.target.answer_contains[0]
    obs, *_ = env.step({"role": "assistant", "content": f"Savings holds {balance}."})
    return user, [obs[0]["content"], task.metadata["user_turns"][0]]


def test_model_user_words_the_turn_itself() -> None:
    user, (sent, _) = _run(["Great, now split some money between my two friends please."])
    assert sent.startswith("Great, now split") and user.leaks == user.early_stops == 0


def test_early_stop_is_replaced_by_the_scripted_turn() -> None:
    user, (sent, scripted) = _run(["###STOP###"])
    assert sent == scripted and user.early_stops == 1


def test_leaked_answer_is_replaced_by_the_scripted_turn() -> None:
    cf = get_chat_format("deepseek_v31")
    env = ToolWorldEnv(split="all")
    task = next(t for t in env.tasks if t.id == "bank-balance-split-0000")
    leak = f"By the way my savings are {task.target.answer_contains[0]}."
    user = PolicyUser(ScriptedPolicy(cf, [leak]), chat_format=cf)
    text = user.message(task, 0, [{"role": "user", "content": task.prompt}])
    assert text == task.metadata["user_turns"][0] and user.leaks == 1
