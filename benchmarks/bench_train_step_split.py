"""Where one RL step's time goes on the default env: generation, env, training.

    python benchmarks/bench_train_step_split.py [--quick]

The tiny model first gets a short SFT warm-up on oracle episodes so that episodes are real
multi-turn tool-use episodes (an untrained model emits noise and never reaches the tool).
Then, per measured GRPO step:
- rollout: wall time of the rollout engine (generation and env steps interleaved);
- env: the same episodes replayed through fresh envs, one after another (reset + every step
  with the recorded assistant messages): the env's own cost;
- generation: rollout minus env;
- training: the update (batching, forward/backward, optimizer).
Baseline, measured in the same run on the same trajectories: the update with the plain
padded layout (`rl.share_prefix=false`, every row carries the whole system prompt) against
the shared-prefix layout the trainer uses by default. Printed as a ratio.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time


def replay_env_seconds(trajs: list, env_id: str, env_kwargs: dict) -> float:
    from agent_rl import envs
    t0 = time.perf_counter()
    for t in trajs:
        env = envs.make(env_id, **env_kwargs)
        env.reset(seed=t.seed)
        for msg in t.messages:
            if msg.get("role") == "assistant":
                _, _, term, trunc, _ = env.step(msg)
                if term or trunc:
                    break
        env.close()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer SFT and RL steps")
    ap.add_argument("--steps", type=int, default=None, help="RL steps to measure")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    from agent_rl.train.config import load_config
    from agent_rl.train.modeling import load_policy
    from agent_rl.train.pipeline import get_format
    from agent_rl.train.rl import RLTrainer
    from agent_rl.train.sft import sft_examples, train_sft

    steps = args.steps or (2 if args.quick else 4)
    out = tempfile.mkdtemp(prefix="bench_split_")
    cfg = load_config(
        None,
        {
            "output_dir": out,
            "sft.steps": 20 if args.quick else 60,
            "sft.episodes": 128,
            "rl.steps": steps,
            "eval.episodes": 0,
            "tensorboard": False,
            "plots": False,
            "checkpoint.every": 1000,
        },
    )
    model, tok = load_policy("tiny")
    cf = get_format(tok)
    train_sft(cfg, model, tok, sft_examples(cfg, cf, None), f"{out}/sft")
    trainer = RLTrainer(cfg, model, tok, cf, f"{out}/rl")
    rows = []
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        trajs, rewards, groups, _info = trainer._collect(step)
        t_roll = time.perf_counter() - t0
        t_env = replay_env_seconds(trajs, cfg.env.id, cfg.env.kwargs)
        if not trajs:
            continue
        # baseline first, on a copy of the state, so both layouts see the same weights
        state = {k: v.clone() for k, v in model.state_dict().items()}
        opt_state = trainer.optimizer.state_dict()
        sched_state = trainer.scheduler.state_dict()
        trainer.rl.share_prefix = False
        t1 = time.perf_counter()
        trainer.train_step(step, trajs, rewards, groups)
        t_plain = time.perf_counter() - t1
        model.load_state_dict(state)
        trainer.optimizer.load_state_dict(opt_state)
        trainer.scheduler.load_state_dict(sched_state)
        trainer.rl.share_prefix = True
        t2 = time.perf_counter()
        trainer.train_step(step, trajs, rewards, groups)
        t_train = time.perf_counter() - t2
        tokens = sum(len(t.prompt_ids) + len(t.response_ids) for t in trajs)
        turns = statistics.mean(t.num_turns for t in trajs)
        rows.append((t_roll, t_env, t_train, t_plain, tokens, turns, len(trajs)))
        print(
            f"step {step}: {len(trajs)} episodes ({turns:.1f} turns avg, {tokens} tokens): "
            f"rollout {t_roll:.2f}s (env {t_env:.2f}s), training {t_train:.2f}s "
            f"(plain layout {t_plain:.2f}s)",
            flush=True,
        )
    if not rows:
        print("no usable step measured", file=sys.stderr)
        return 1
    roll = statistics.mean(r[0] for r in rows)
    env = statistics.mean(r[1] for r in rows)
    train = statistics.mean(r[2] for r in rows)
    plain = statistics.mean(r[3] for r in rows)
    gen = max(roll - env, 0.0)
    total = roll + train
    print(
        f"\ntorch threads: {torch.get_num_threads()}; {len(rows)} steps of "
        f"{cfg.rl.tasks_per_step} tasks x {cfg.rl.group_size} samples"
    )
    print(f"{'phase':<12}{'seconds':>10}{'share':>9}")
    for name, sec in (("generation", gen), ("env", env), ("training", train)):
        print(f"{name:<12}{sec:>10.2f}{sec / total:>9.1%}")
    print(f"{'step':<12}{total:>10.2f}")
    print(
        f"\ntraining, shared-prefix layout vs plain padded layout (baseline): "
        f"{plain / train:.2f}x faster ({plain:.2f}s -> {train:.2f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
