"""Run the configured stages in order (sft -> rl -> dpo), handing the weights on.

Each stage writes under `output_dir/<stage>/`. With `resume=True` a stage whose final
checkpoint exists is skipped (its weights are loaded), the interrupted stage continues from
its last checkpoint, and later stages start as usual. `summary.json` at the top of the run
records what each stage reported (for RL: held-out success before and after).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from agent_rl.train.checkpoint import atomic_write_text
from agent_rl.train.common import StepCallback, seed_everything
from agent_rl.train.config import STAGES, TrainConfig
from agent_rl.train.modeling import load_policy, load_weights

log = logging.getLogger(__name__)


def get_format(tokenizer: Any) -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format("deepseek_v31", tokenizer=tokenizer)


def run_pipeline(
    cfg: TrainConfig, *, resume: bool = False, on_step: StepCallback | None = None
) -> dict[str, Any]:
    """Train `cfg.stages` in order; returns (and writes) the run summary."""
    import torch
    import yaml

    cfg.resolve()
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    atomic_write_text(out / "config.yaml", yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    seed_everything(cfg.seed)
    model, tokenizer = load_policy(cfg.model.name, cfg.model.dtype)
    chat_format = get_format(tokenizer)
    summary: dict[str, Any] = {"config": cfg.to_dict(), "stages": {}}
    t_run = time.perf_counter()
    for stage in cfg.stages:
        t0 = time.perf_counter()
        stage_dir = out / stage
        final = _final_checkpoint(stage_dir)
        if resume and final is not None:
            log.info("%s: finished earlier (%s); loading its weights", stage, final)
            load_weights(model, final / "model")
            prev = _read_summary(out).get("stages", {}).get(stage)
            summary["stages"][stage] = prev or {"checkpoint": str(final)}
            continue
        seed_everything(cfg.seed + 1000 * (STAGES.index(stage) + 1))
        if stage == "sft":
            from agent_rl.train.sft import sft_examples, train_sft

            examples = sft_examples(cfg, chat_format, stage_dir)
            result = train_sft(
                cfg, model, tokenizer, examples, stage_dir, resume=resume, on_step=on_step
            )
        elif stage == "rl":
            from agent_rl.train.rl import RLTrainer

            trainer = RLTrainer(cfg, model, tokenizer, chat_format, stage_dir, on_step=on_step)
            result = trainer.train(resume=resume)
        else:
            from agent_rl.train.dpo import train_dpo_from_config

            result = train_dpo_from_config(
                cfg, model, tokenizer, chat_format, stage_dir, resume=resume, on_step=on_step
            )
        result = dict(result)
        result["seconds"] = time.perf_counter() - t0
        summary["stages"][stage] = result
        summary["seconds"] = time.perf_counter() - t_run
        atomic_write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
    summary["seconds"] = time.perf_counter() - t_run
    rl = summary["stages"].get("rl")
    if rl and rl.get("eval_before") and rl.get("eval_after"):
        b, a = rl["eval_before"]["eval/success"], rl["eval_after"]["eval/success"]
        summary["held_out_success"] = {"after_sft": b, "after_rl": a, "gain": a - b}
        if "eval/tool_use" in rl["eval_before"] and "eval/tool_use" in rl["eval_after"]:
            summary["held_out_tool_use"] = {
                "after_sft": rl["eval_before"]["eval/tool_use"],
                "after_rl": rl["eval_after"]["eval/tool_use"],
            }
    _reward_curve(out, summary)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
    return summary


def _final_checkpoint(stage_dir: Path) -> Path | None:
    from agent_rl.train.checkpoint import CheckpointManager

    latest = CheckpointManager(stage_dir / "checkpoints").latest()
    if latest is None:
        return None
    state = json.loads((latest / "state.json").read_text())
    return latest if state.get("final") else None


def _read_summary(out: Path) -> dict[str, Any]:
    p = out / "summary.json"
    try:
        return json.loads(p.read_text()) if p.is_file() else {}
    except json.JSONDecodeError:
        return {}


def _reward_curve(out: Path, summary: dict[str, Any]) -> None:
    """`reward_curve.png` at the top of the run: RL training reward/success and held-out points."""
    metrics = out / "rl" / "metrics.jsonl"
    if not metrics.is_file():
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    train = [r for r in recs if "reward/mean" in r]
    evals = [r for r in recs if "eval/success" in r]
    if not train:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [r["step"] for r in train]
    ax.plot(xs, [r["reward/mean"] for r in train], label="train reward (mean)", alpha=0.8)
    ax.plot(xs, [r["success/mean"] for r in train], label="train success", alpha=0.8)
    if all("response/tool_use" in r for r in train):
        ax.plot(
            xs,
            [r["response/tool_use"] for r in train],
            "--",
            label="train episodes calling a tool",
            alpha=0.8,
        )
    if evals:
        ax.plot(
            [r["step"] for r in evals],
            [r["eval/success"] for r in evals],
            "o-",
            color="black",
            label="held-out success (greedy)",
        )
    hs = summary.get("held_out_success")
    title = f"{summary['config']['rl']['algo'].upper()} on {summary['config']['env']['id']}"
    if hs:
        title += (
            f"\nheld-out success {hs['after_sft']:.2f} after SFT -> {hs['after_rl']:.2f} after RL"
        )
    ax.set_title(title)
    ax.set_xlabel("RL step")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "reward_curve.png", dpi=110)
    plt.close(fig)
