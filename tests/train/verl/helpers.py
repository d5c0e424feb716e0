"""Shared pieces of the verl tests: a multi-turn test env, an EOS-leaning tiny model, verl's
real config and agent-loop worker around a CPU server manager."""

from __future__ import annotations

import asyncio
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
    """The tiny model with its EOS logit raised, so replies end within a few tokens and episodes
    run several turns (real sampling; the random weights alone almost never stop)."""
    from agent_rl.models import load_tiny_model
    from agent_rl.rollout.backends.hf import TransformersPolicy

    model, tok = load_tiny_model()
    eos = tok.eos_token_id

    def hook(_module: Any, _inputs: Any, output: Any) -> Any:
        output[..., eos] += eos_bias
        return output

    model.lm_head.register_forward_hook(hook)
    # One request at a time: identical numerics whichever driver asks.
    return TransformersPolicy(model, tok, max_batch_size=1, batch_wait_s=0.0), tok


def write_agent_loops(path: Path, **kwargs: Any) -> Path:
    import yaml

    entry = {
        "name": "agent_rl",
        "_target_": "agent_rl.train.verl.agent_loop.AgentRLAgentLoop",
        **kwargs,
    }
    path.write_text(yaml.safe_dump([entry]), encoding="utf-8")
    return path


def verl_config(data: Path, agent_loops: Path, *extra: str) -> Any:
    from agent_rl.models import tiny_model_path
    from agent_rl.train.verl.check import compose_config

    return compose_config(
        "sync",
        [
            f"actor_rollout_ref.model.path={tiny_model_path()}",
            f"data.train_files={data}",
            f"data.val_files={data}",
            "actor_rollout_ref.rollout.name=vllm",
            "actor_rollout_ref.rollout.prompt_length=512",
            "actor_rollout_ref.rollout.response_length=256",
            "actor_rollout_ref.rollout.calculate_log_probs=true",
            f"actor_rollout_ref.rollout.agent.agent_loop_config_path={agent_loops}",
            *extra,
        ],
    )


def run_worker(config: Any, server_manager: Any, data: Path) -> Any:
    """verl's own dataset -> DataProto -> `AgentLoopWorker.generate_sequences` (no Ray)."""
    from verl.experimental.agent_loop.agent_loop import AgentLoopWorker
    from verl.protocol import DataProto
    from verl.utils.dataset.rl_dataset import RLHFDataset, collate_fn

    worker = AgentLoopWorker(config, server_manager)
    dataset = RLHFDataset(str(data), worker.tokenizer, config.data)
    batch = DataProto.from_single_dict(collate_fn([dataset[i] for i in range(len(dataset))]))
    return asyncio.run(worker.generate_sequences(batch))


def unpad(out: Any, i: int) -> dict[str, list]:
    """Row i of a verl batch without padding: prompt, response, mask, logprobs, reward."""
    prompt_len = out.batch["prompts"].shape[1]
    attn = out.batch["attention_mask"][i]
    p = int(attn[:prompt_len].sum())
    r = int(attn[prompt_len:].sum())
    return {
        "prompt_ids": out.batch["prompts"][i, prompt_len - p :].tolist(),
        "response_ids": out.batch["responses"][i, :r].tolist(),
        "response_mask": out.batch["response_mask"][i, :r].tolist(),
        "logprobs": out.batch["rollout_log_probs"][i, :r],
        "reward": float(out.batch["rm_scores"][i].sum()),
    }
