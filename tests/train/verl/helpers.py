"""Shared pieces of the verl tests: a multi-turn test env and an EOS-leaning tiny model; the
worker, config and unpadding come from `agent_rl.train.verl.parity`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_rl import envs

ECHO_ID = "tests_verl/Echo-v0"


class EchoEnv(envs.AgentEnv):
    """Say the word: every other reply gets feedback and another turn (multi-turn on purpose)."""

    def __init__(self, split: str = "train", max_turns: int = 3) -> None:
        tasks = [
            envs.Task(id=f"echo-{w}", prompt=f"Say {w}.", answer=w)
            for w in ("alpha", "beta", "gamma")
        ]
        super().__init__(tasks, max_turns=max_turns, system_prompt="Answer with one word.")

    def on_step(self, action: envs.Message) -> envs.StepOutcome:
        if (action.get("content") or "").strip() == self.task.answer:
            return envs.StepOutcome(reward=1.0, terminated=True)
        return envs.StepOutcome(messages=[{"role": "user", "content": "No. Try again."}])

    def reference_action(self) -> envs.Message:
        return {"role": "assistant", "content": self.task.answer}


def register_echo() -> None:
    if ECHO_ID not in envs.list_envs():
        envs.register(ECHO_ID, "tests.train.verl.helpers:EchoEnv", description="verl test env")


def eos_leaning_policy(eos_bias: float = 6.0) -> Any:
    """The tiny model with its EOS logit raised (short replies, several turns), one request at a
    time so both drivers see identical numerics."""
    from agent_rl.models import load_tiny_model
    from agent_rl.rollout.backends.hf import TransformersPolicy
    from agent_rl.train.verl.parity import eos_leaning

    model, tok = load_tiny_model()
    eos_leaning(model, tok.eos_token_id, eos_bias)
    return TransformersPolicy(model, tok, max_batch_size=1, batch_wait_s=0.0), tok


def verl_config(data: Path, agent_loops: Path, *extra: str) -> Any:
    from agent_rl.models import tiny_model_path
    from agent_rl.train.verl.parity import worker_config

    return worker_config(str(tiny_model_path()), data, agent_loops, *extra)
