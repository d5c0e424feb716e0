"""Check that verl's agent loop and the local engine produce the same episodes.

Both drivers run `agent_rl.rollout.Episode`; this module runs the verl side inside verl's real
`AgentLoopWorker` (verl's dataset class, its config, its padding and batching) against a
`TransformersServerManager`, and unpads its batch for comparison with local `Trajectory`s.
Used by the tests and `benchmarks/bench_verl_loop.py`. Importing it imports verl.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopWorker
from verl.protocol import DataProto
from verl.utils.dataset.rl_dataset import RLHFDataset, collate_fn

from agent_rl.train.verl.check import compose_config


def write_agent_loops(path: Path, **kwargs: Any) -> Path:
    """An agent-loop YAML with one `agent_rl` entry and the given loop kwargs."""
    import yaml

    entry = {
        "name": "agent_rl",
        "_target_": "agent_rl.train.verl.agent_loop.AgentRLAgentLoop",
        **kwargs,
    }
    path.write_text(yaml.safe_dump([entry]), encoding="utf-8")
    return path


def worker_config(
    model_path: str,
    data: Path,
    agent_loops: Path,
    *extra: str,
    prompt_length: int = 512,
    response_length: int = 256,
) -> Any:
    """verl's composed `ppo_trainer` config for an agent-loop worker on `data`."""
    return compose_config(
        "sync",
        [
            f"actor_rollout_ref.model.path={model_path}",
            f"data.train_files={data}",
            f"data.val_files={data}",
            "actor_rollout_ref.rollout.name=vllm",
            f"actor_rollout_ref.rollout.prompt_length={prompt_length}",
            f"actor_rollout_ref.rollout.response_length={response_length}",
            "actor_rollout_ref.rollout.calculate_log_probs=true",
            f"actor_rollout_ref.rollout.agent.agent_loop_config_path={agent_loops}",
            *extra,
        ],
    )


def run_worker(config: Any, server_manager: Any, data: Path) -> DataProto:
    """verl's dataset -> DataProto -> `AgentLoopWorker.generate_sequences` (no Ray)."""
    worker = AgentLoopWorker(config, server_manager)
    dataset = RLHFDataset(str(data), worker.tokenizer, config.data)
    batch = DataProto.from_single_dict(collate_fn([dataset[i] for i in range(len(dataset))]))
    return asyncio.run(worker.generate_sequences(batch))


def unpad(out: DataProto, i: int) -> dict[str, Any]:
    """Row i of a verl batch without padding: prompt, response, mask, logprobs, reward."""
    prompt_len = out.batch["prompts"].shape[1]
    attn = out.batch["attention_mask"][i]
    p = int(attn[:prompt_len].sum())
    r = int(attn[prompt_len:].sum())
    row = {
        "prompt_ids": out.batch["prompts"][i, prompt_len - p :].tolist(),
        "response_ids": out.batch["responses"][i, :r].tolist(),
        "response_mask": out.batch["response_mask"][i, :r].tolist(),
        "logprobs": out.batch["rollout_log_probs"][i, :r],
        "reward": None,
    }
    if "rm_scores" in out.batch.keys():  # noqa: SIM118 (a TensorDict)
        row["reward"] = float(out.batch["rm_scores"][i].sum())
    return row


def same_episode(row: dict[str, Any], traj: Any) -> list[str]:
    """Which fields of a verl row differ from a local trajectory (empty: identical)."""
    import torch

    diffs = []
    if row["prompt_ids"] != traj.prompt_ids:
        diffs.append("prompt_ids")
    if row["response_ids"] != traj.response_ids:
        diffs.append("response_ids")
    if row["response_mask"] != traj.loss_mask:
        diffs.append("response_mask")
    if not torch.equal(row["logprobs"], torch.tensor(traj.logprobs, dtype=torch.float32)):
        diffs.append("logprobs")
    if row["reward"] is not None and abs(row["reward"] - traj.reward) > 1e-6:
        diffs.append("reward")
    return diffs


def eos_leaning(model: Any, eos_token_id: int, bias: float = 6.0) -> Any:
    """Raise the EOS logit of `model` (a forward hook on `lm_head`): a random tiny model then
    ends its replies within a few tokens, so episodes run several turns. Sampling stays real."""

    def hook(_module: Any, _inputs: Any, output: Any) -> Any:
        output[..., eos_token_id] += bias
        return output

    model.lm_head.register_forward_hook(hook)
    return model
