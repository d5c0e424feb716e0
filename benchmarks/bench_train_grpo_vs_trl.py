"""Single-turn GRPO step throughput: agent-rl's local trainer against TRL's GRPOTrainer.

    python benchmarks/bench_train_grpo_vs_trl.py [--quick]

Both trainers run in this process, one after the other, on the same tiny model (fresh copies
of the same weights), the same prompts (agent_rl/Math-v0 opening messages rendered in the
V3.1 format), the same batch (`--prompts` x `--group` completions per step), the same
sampling (temperature 1.0, at most `--max-tokens` completion tokens) and the same reward (the
env's own scoring of each completion). No KL term in either (TRL's default beta=0), one
optimizer step per batch. Throughput is tokens (prompt + completion) per second of
wall-clock step time, the first step of each excluded as warm-up. The ratio printed is
agent-rl / TRL.

TRL is installed only for this benchmark: `pip install trl -c constraints.txt` with
`torch==2.13.0` pinned in the constraints so it cannot pull a CUDA build. If TRL cannot be
imported or run, the script says why and exits with status 2.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from typing import Any


def ours(args: argparse.Namespace) -> tuple[float, list[float], list[int]]:
    from agent_rl.train.config import load_config
    from agent_rl.train.modeling import load_policy
    from agent_rl.train.pipeline import get_format
    from agent_rl.train.rl import RLTrainer

    cfg = load_config(
        None,
        {
            "output_dir": tempfile.mkdtemp(prefix="bench_ours_"),
            "env.id": "agent_rl/Math-v0",
            "stages": "rl",
            "rl.steps": args.steps,
            "rl.tasks_per_step": args.prompts,
            "rl.group_size": args.group,
            "rl.micro_batch_size": args.prompts * args.group,
            "rl.lr": 1e-5,
            "rl.warmup_steps": 0,
            "rl.schedule": "constant",
            "rollout.max_tokens": args.max_tokens,
            "rollout.max_turns": 1,
            "rollout.temperature": 1.0,
            "eval.episodes": 0,
            "tensorboard": False,
            "plots": False,
            "checkpoint.every": 100000,
        },
    )
    model, tok = load_policy("tiny")
    trainer = RLTrainer(cfg, model, tok, get_format(tok), cfg.output_dir + "/rl")
    times, tokens = [], []
    stamps = [time.perf_counter()]

    def on_step(stage: str, step: int, total: int, m: dict[str, Any]) -> None:
        stamps.append(time.perf_counter())
        times.append(stamps[-1] - stamps[-2])
        tokens.append(int(m.get("train/seq_tokens", 0)))

    trainer.stage.on_step = on_step
    stamps[0] = time.perf_counter()
    trainer.train()
    return _rate(times, tokens), times, tokens


def trl_run(args: argparse.Namespace) -> tuple[float, list[float], list[int]]:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from agent_rl import envs
    from agent_rl.train.modeling import load_policy
    from agent_rl.train.pipeline import get_format

    model, tok = load_policy("tiny")
    cf = get_format(tok)
    env = envs.make("agent_rl/Math-v0")
    rows = []
    n_prompts = args.prompts * (args.steps + 1)
    for seed in range(n_prompts):
        messages, _info = env.reset(seed=seed)
        rows.append({"prompt": cf.render(messages, add_generation_prompt=True), "task_seed": seed})

    def env_reward(
        prompts: list[str], completions: list[str], task_seed: list[int], **_: Any
    ) -> list[float]:
        out = []
        for text, seed in zip(completions, task_seed, strict=True):
            e = envs.make("agent_rl/Math-v0")
            e.reset(seed=int(seed))
            parsed = cf.parse(text)
            _, reward, *_rest = e.step({k: v for k, v in parsed.items() if k != "parse_errors"})
            out.append(float(reward))
        return out

    times: list[float] = []
    tokens: list[int] = []

    class Clock(TrainerCallback):
        def __init__(self) -> None:
            self.t = 0.0
            self.last_tokens = 0

        def on_step_begin(self, a, state, control, **kw):  # type: ignore[no-untyped-def]
            self.t = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):  # type: ignore[no-untyped-def]
            times.append(time.perf_counter() - self.t)

        def on_log(self, a, state, control, logs=None, **kw):  # type: ignore[no-untyped-def]
            if logs and "num_tokens" in logs:
                total = int(logs["num_tokens"])
                tokens.append(total - self.last_tokens)
                self.last_tokens = total

    batch = args.prompts * args.group
    config = GRPOConfig(
        output_dir=tempfile.mkdtemp(prefix="bench_trl_"),
        per_device_train_batch_size=batch,
        num_generations=args.group,
        max_completion_length=args.max_tokens,
        temperature=1.0,
        beta=0.0,
        learning_rate=1e-5,
        lr_scheduler_type="constant",
        max_steps=args.steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        bf16=False,
        disable_tqdm=True,
        gradient_accumulation_steps=1,
        num_iterations=1,
        seed=0,
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=env_reward,
        args=config,
        train_dataset=Dataset.from_list(rows),
        processing_class=tok,
        callbacks=[Clock()],
    )
    trainer.train()
    return _rate(times, tokens), times, tokens


def _rate(times: list[float], tokens: list[int]) -> float:
    if len(times) > 1:
        times, tokens = times[1:], tokens[1:]  # first step: warm-up
    return sum(tokens) / sum(times) if sum(times) else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 steps of 2x4 completions")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--prompts", type=int, default=4)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=64)
    args = ap.parse_args()
    if args.quick:
        args.steps, args.prompts, args.group = 3, 2, 4
    logging.basicConfig(level=logging.WARNING)
    try:
        import trl
    except Exception as exc:
        print(
            f"TRL is not importable here ({type(exc).__name__}: {exc}); install it for this "
            "benchmark only: pip install trl -c constraints.txt (with torch==2.13.0 pinned)",
            file=sys.stderr,
        )
        return 2
    import torch

    print(
        f"same tiny model, {args.prompts} prompts x {args.group} completions per step, "
        f"<= {args.max_tokens} completion tokens, {args.steps} steps (first = warm-up); "
        f"torch threads {torch.get_num_threads()}; TRL {trl.__version__}",
        flush=True,
    )
    rate_ours, t_ours, tok_ours = ours(args)
    print(
        f"agent-rl: {rate_ours:8.1f} tokens/s  steps {[round(t, 2) for t in t_ours]}s tokens {tok_ours}",
        flush=True,
    )
    try:
        rate_trl, t_trl, tok_trl = trl_run(args)
    except Exception as exc:
        print(f"TRL's GRPOTrainer failed to run here: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(
        f"TRL:      {rate_trl:8.1f} tokens/s  steps {[round(t, 2) for t in t_trl]}s tokens {tok_trl}"
    )
    if not rate_trl:
        print("TRL reported no tokens; cannot form a ratio", file=sys.stderr)
        return 2
    print(
        f"\nthroughput ratio agent-rl / TRL GRPOTrainer: {rate_ours / rate_trl:.2f}x "
        f"(median step {statistics.median(t_ours):.2f}s vs {statistics.median(t_trl):.2f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
