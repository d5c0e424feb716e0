"""Run the configured stages in order (sft -> rl -> dpo), handing the weights on.

Each stage writes under `output_dir/<stage>/` (see `agent_rl.train.run` for the folder rules).
With `resume=True` a stage whose final checkpoint was made with the same settings is reused
(its weights are loaded), the interrupted stage continues from its last checkpoint, and later
stages start as usual. `summary.json` at the top of the run records what each stage reported
(for RL: held-out success before and after); `<stage>/latest` names its final model.
Importing this module does not import torch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_rl.train.config import STAGES, TrainConfig
from agent_rl.train.run import RunDir, default_run_dir, resolve_model, write_text

log = logging.getLogger(__name__)

#: Called after every step with (stage, step, total_steps, metrics); see `agent_rl.train.common`.
StepCallback = Callable[[str, int, int, dict[str, Any]], None]


def load_policy(name: str, dtype: str) -> tuple[Any, Any]:
    from agent_rl.train.modeling import load_policy as load

    return load(name, dtype)


def load_weights(model: Any, path: Path) -> None:
    from agent_rl.train.modeling import load_weights as load

    load(model, path)


def get_format(tokenizer: Any) -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format("deepseek_v31", tokenizer=tokenizer)


def run_pipeline(
    cfg: TrainConfig,
    *,
    resume: bool = False,
    overwrite: bool = False,
    on_step: StepCallback | None = None,
    command: str = "train",
    source: str | Path | None = None,
) -> dict[str, Any]:
    """Train `cfg.stages` in order; returns (and writes) the run summary.

    Arguments, data files and the output folder are checked before any work (see
    `agent_rl.train.run`); a run that fails before its first checkpoint leaves no folder
    behind when it made that folder.
    """
    cfg.resolve()
    if not cfg.output_dir:
        cfg.output_dir = str(default_run_dir(command))
    cfg.model.name = resolve_model(cfg.model.name)
    preflight(cfg)
    run = RunDir.check(
        cfg.output_dir,
        cfg.to_dict(),
        resume=resume,
        overwrite=overwrite,
        command=command,
        source=source,
    )
    try:
        return _train(cfg, run, on_step)
    except BaseException:
        run.abandon()
        raise


def preflight(cfg: TrainConfig) -> None:
    """Fail fast, before torch loads, on what would fail later: data files and the env id."""
    from agent_rl.errors import ConfigError

    for section, files in (("sft", cfg.sft.data), ("dpo", cfg.dpo.data)):
        if section not in cfg.stages or (section == "sft" and cfg.sft.source == "oracle"):
            continue
        for f in files:
            if not Path(f).is_file():
                raise ConfigError(f"{f}: no such file", key=f"{section}.data")
    if "rl" in cfg.stages or ("sft" in cfg.stages and cfg.sft.source == "oracle"):
        from agent_rl.rollout.engine import env_factory
        from agent_rl.train.config import train_env_kwargs

        # One env built now: an unknown id or a bad `-k` option fails here, in one line.
        env_factory(cfg.env.id, train_env_kwargs(cfg), probe=True)


def _train(cfg: TrainConfig, run: RunDir, on_step: StepCallback | None) -> dict[str, Any]:
    import torch

    from agent_rl.train.common import seed_everything

    out = run.path
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    model, tokenizer = load_policy(cfg.model.name, cfg.model.dtype)
    chat_format = get_format(tokenizer)
    summary: dict[str, Any] = {"config": cfg.to_dict(), "stages": {}}
    previous = _read_summary(out) if run.resume else {}
    t_run = time.perf_counter()
    for stage in cfg.stages:
        t0 = time.perf_counter()
        stage_dir = out / stage
        if stage in run.reuse:
            run.begin()  # (--from: copies the stage in, and reuse then names the copy)
            final = run.reuse[stage]
            log.info("%s: finished earlier with the same settings (%s); reusing it", stage, final)
            load_weights(model, final / "model")
            run.mark_latest(stage, final)
            prev = previous.get("stages", {}).get(stage)
            summary["stages"][stage] = prev or {"checkpoint": str(final)}
            continue
        seed_everything(cfg.seed + 1000 * (STAGES.index(stage) + 1))
        if stage == "sft":
            from agent_rl.train.sft import sft_examples, train_sft

            examples = sft_examples(cfg, chat_format, stage_dir)
            run.begin()
            result = train_sft(
                cfg, model, tokenizer, examples, stage_dir, resume=run.resume, on_step=on_step
            )
        elif stage == "rl":
            from agent_rl.train.rl import RLTrainer

            trainer = RLTrainer(cfg, model, tokenizer, chat_format, stage_dir, on_step=on_step)
            run.begin()
            result = trainer.train(resume=run.resume)
        else:
            from agent_rl.train.dpo import load_dpo_pairs, train_dpo

            pairs = load_dpo_pairs(cfg, chat_format)
            run.begin()
            result = train_dpo(
                cfg, model, tokenizer, pairs, stage_dir, resume=run.resume, on_step=on_step
            )
        result = dict(result)
        result["seconds"] = time.perf_counter() - t0
        if result.get("checkpoint"):
            run.mark_latest(stage, Path(result["checkpoint"]))
        summary["stages"][stage] = result
        summary["seconds"] = time.perf_counter() - t_run
        write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
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
    if "rl" in cfg.stages:
        _reward_curve(out, summary)
    summary["output_dir"] = str(out)
    write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
    return summary


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
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "reward_curve.png", dpi=110)
    plt.close(fig)
