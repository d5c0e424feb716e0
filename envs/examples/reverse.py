"""Write and register your own env: the agent must reverse a word."""

import gymnasium

from agent_rl import envs

WORDS = ["gymnasium", "reward", "policy", "rollout", "verifier", "token"]


@envs.register_env("examples/Reverse-v0")
class ReverseEnv(envs.AgentEnv):
    """Reverse a word: reward 1 for the exact reversal, else 0 (single turn)."""

    def __init__(self, words: list[str] | None = None) -> None:
        tasks = [
            envs.Task(id=f"reverse-{w}", prompt=f"Reverse the word: {w}", answer=w[::-1])
            for w in words or WORDS
        ]
        super().__init__(tasks, system_prompt="Reply with the reversed word only.")

    def finish(self, action: envs.Message) -> envs.StepOutcome:
        reply = (action.get("content") or "").strip()
        return envs.StepOutcome(reward=float(reply == self.task.answer), terminated=True)

    def reference_action(self) -> envs.Message:
        return {"role": "assistant", "content": self.task.answer}


if __name__ == "__main__":
    env = gymnasium.make("examples/Reverse-v0")
    messages, info = env.reset(seed=0)
    _, reward, *_ = env.step(env.unwrapped.reference_action())
    print(messages[-1]["content"], "->", reward)  # reward 1.0
