"""verl agent loop vs the local rollout: ids, masks, logprobs and rewards must be identical.

The baseline is the local `RolloutEngine`; the candidate is `AgentRLAgentLoop` running inside
verl's real `AgentLoopWorker` (verl's dataset class, config, padding and batching) against the
tiny model served on CPU by `TransformersServerManager`. Same seeds, same sampling
(temperature 1, per-turn seeds), one request at a time so both see identical numerics. The
tiny model's EOS logit is raised so episodes run several turns. Prints, per env, the fraction
of episodes identical token for token (target: 1.000) and the wall-time ratio verl/local.

    python benchmarks/bench_verl_loop.py [--episodes 8] [--envs agent_rl/Math-v0,...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from agent_rl import envs

ECHO_ID = "bench_verl/Echo-v0"


class EchoEnv(envs.AgentEnv):
    """Say the word; other replies get feedback and another turn (up to 3)."""

    def __init__(self, split: str = "train") -> None:
        words = ("alpha", "beta", "gamma", "delta", "omega", "sigma", "theta", "kappa")
        tasks = [envs.Task(id=f"echo-{w}", prompt=f"Say {w}.", answer=w) for w in words]
        super().__init__(tasks, max_turns=3, system_prompt="Answer with one word.")

    def on_step(self, action: envs.Message) -> envs.StepOutcome:
        if (action.get("content") or "").strip() == self.task.answer:
            return envs.StepOutcome(reward=1.0, terminated=True)
        return envs.StepOutcome(messages=[{"role": "user", "content": "No. Try again."}])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=8)
    ap.add_argument("--envs", default=f"{ECHO_ID},agent_rl/Calculator-v0,agent_rl/Math-v0")
    args = ap.parse_args()

    from agent_rl.chat_format import get_chat_format
    from agent_rl.models import load_tiny_model, tiny_model_path
    from agent_rl.rollout import RolloutEngine, RolloutLimits, SamplingParams
    from agent_rl.rollout.backends.hf import TransformersPolicy
    from agent_rl.train.verl.cpu_server import TransformersServerManager
    from agent_rl.train.verl.data import verl_rows, write_parquet
    from agent_rl.train.verl.parity import (
        eos_leaning,
        run_worker,
        same_episode,
        unpad,
        worker_config,
        write_agent_loops,
    )

    envs.register(ECHO_ID, f"{__name__}:EchoEnv")
    model, tok = load_tiny_model()
    eos_leaning(model, tok.eos_token_id)
    policy = TransformersPolicy(model, tok, max_batch_size=1, batch_wait_s=0.0)
    cf = get_chat_format("deepseek_v31", tokenizer=tok)
    loop = {"max_turns": 3, "max_tokens_per_turn": 32, "step_timeout_s": 120.0, "seed": 11}
    limits = RolloutLimits(
        max_turns=3, max_tokens_per_turn=32, max_total_tokens=768, step_timeout_s=120
    )
    sampling = SamplingParams(temperature=1.0, top_p=1.0, seed=11)

    print(
        f"{'env':28s} {'identical':>10s} {'turns':>6s} {'env tokens':>10s} {'local s':>8s} {'verl s':>7s} {'verl/local':>10s}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for env_id in args.envs.split(","):
            rows = verl_rows(env_id, "all", args.episodes)
            data = write_parquet(rows, Path(tmp) / f"{len(rows)}-{abs(hash(env_id))}.parquet")
            config = worker_config(
                str(tiny_model_path()), data, write_agent_loops(Path(tmp) / "loops.yaml", **loop)
            )
            engine = RolloutEngine(env_id, policy, cf, limits, sampling=sampling, concurrency=1)
            t0 = time.perf_counter()
            local = engine.run(tasks=[json.loads(r["extra_info"]["task"]) for r in rows])
            t_local = time.perf_counter() - t0
            t0 = time.perf_counter()
            out = run_worker(config, TransformersServerManager(policy), data)
            t_verl = time.perf_counter() - t0
            same = sum(not same_episode(unpad(out, i), t) for i, t in enumerate(local))
            turns = sum(t.num_turns for t in local) / len(local)
            env_tokens = sum(t.loss_mask.count(0) for t in local)
            print(
                f"{env_id:28s} {same / len(local):10.3f} {turns:6.2f} {env_tokens:10d} "
                f"{t_local:8.2f} {t_verl:7.2f} {t_verl / t_local:10.2f}"
            )


if __name__ == "__main__":
    main()
