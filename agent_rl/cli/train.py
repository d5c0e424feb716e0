"""`agent-rl train`: SFT warm-up then RL (or any pipeline of sft, rl, dpo) on one machine.

    agent-rl train                                   # tiny model, Calculator env, SFT then GRPO
    agent-rl train --env agent_rl/Math-v0 --algo dapo --config configs/math_dapo.yaml
    agent-rl train --resume --out runs/default       # continue a killed run
    agent-rl train sft --source tokenized --data data.jsonl
    agent-rl train dpo --data pairs.jsonl --model runs/default/rl/checkpoints/step_000040/model

Every option is also a config key (`--set rl.lr=1e-4` sets any of them); the command line wins
over the YAML file, which wins over the defaults. Heavy imports happen inside the commands so
`agent-rl --help` stays fast.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    help="Train a policy on an environment (SFT warm-up, GRPO/PPO/DAPO/GSPO, DPO).",
    invoke_without_command=True,
    no_args_is_help=False,
)

log = logging.getLogger("agent_rl.train")


def _overrides(
    *,
    env: str | None = None,
    algo: str | None = None,
    model: str | None = None,
    steps: int | None = None,
    out: str | None = None,
    device: str | None = None,
    sets: list[str] | None = None,
) -> list[str]:
    items = []
    for key, value in (
        ("env.id", env),
        ("rl.algo", algo),
        ("model.name", model),
        ("rl.steps", steps),
        ("output_dir", out),
        ("device", device),
    ):
        if value is not None:
            items.append(f"{key}={value}")
    return items + list(sets or [])


def _run(
    config: Path | None, overrides: list[str], resume: bool, stages: list[str] | None = None
) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent_rl.cli.rollout import quiet_libraries
    from agent_rl.train.config import load_config
    from agent_rl.train.pipeline import run_pipeline

    quiet_libraries()

    if stages is not None:
        overrides = [f"stages={','.join(stages)}", *overrides]
    cfg = load_config(config, overrides)
    console = Console(stderr=True)
    console.print(
        f"[bold]agent-rl train[/]: stages {' -> '.join(cfg.stages)}, algo {cfg.rl.algo}, "
        f"model {cfg.model.name}, env {cfg.env.id}, out {cfg.output_dir}"
    )
    tasks: dict[str, Any] = {}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:

        def on_step(stage: str, step: int, total: int, m: dict[str, Any]) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total, info="")
            info = ""
            if "reward/mean" in m:
                info = f"reward {m['reward/mean']:.3f} success {m.get('success/mean', 0):.2f}"
            elif "sft/loss" in m:
                info = f"loss {m['sft/loss']:.3f}"
            elif "dpo/loss" in m:
                info = f"loss {m['dpo/loss']:.3f} margin {m['dpo/margin']:.3f}"
            if "eval/success" in m:
                info += f" held-out {m['eval/success']:.2f}"
            progress.update(tasks[stage], completed=step, info=info)

        summary = run_pipeline(cfg, resume=resume, on_step=on_step)
    hs = summary.get("held_out_success")
    if hs:
        console.print(
            f"held-out success: {hs['after_sft']:.3f} after SFT warm-up -> {hs['after_rl']:.3f} "
            f"after {cfg.rl.algo.upper()} (gain {hs['gain']:+.3f})"
        )
        tu = summary.get("held_out_tool_use")
        if tu:
            console.print(
                f"held-out episodes calling a tool: {tu['after_sft']:.3f} after SFT warm-up -> "
                f"{tu['after_rl']:.3f} after {cfg.rl.algo.upper()}"
            )
    dpo = summary["stages"].get("dpo")
    if dpo and "dpo/margin" in dpo:
        console.print(f"DPO: margin {dpo['dpo/margin']:.3f}, accuracy {dpo['dpo/accuracy']:.2f}")
    console.print(
        f"done in {summary['seconds']:.0f}s; summary, metrics and plots in {cfg.output_dir}"
    )
    return summary


CONFIG = typer.Option(
    None, "--config", "-c", help="YAML config (see configs/).", exists=True, dir_okay=False
)
SETS = typer.Option(None, "--set", "-s", help="Any config key: --set rl.lr=1e-4 (repeatable).")
RESUME = typer.Option(False, "--resume", help="Continue from the last checkpoints in --out.")
OUT = typer.Option(None, "--out", "-o", help="Run directory (output_dir).")
MODEL = typer.Option(
    None, "--model", "-m", help="tiny (the embedded default) or a local model dir."
)
DEVICE = typer.Option(None, "--device", help="auto, cpu, cuda, cuda:N.")


@app.callback()
def train(
    ctx: typer.Context,
    env: str | None = typer.Option(
        None, "--env", "-e", help="Environment id (default agent_rl/Calculator-v0)."
    ),
    algo: str | None = typer.Option(None, "--algo", "-a", help="grpo | ppo | dapo | gspo."),
    model: str | None = MODEL,
    config: Path | None = CONFIG,
    steps: int | None = typer.Option(None, "--steps", help="RL steps."),
    out: str | None = OUT,
    device: str | None = DEVICE,
    resume: bool = RESUME,
    sets: list[str] | None = SETS,
    stages: str | None = typer.Option(None, "--stages", help="Comma list, e.g. sft,rl,dpo."),
) -> None:
    """Run the pipeline (default: SFT warm-up, then RL) and report held-out success."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {
            "config": config,
            "sets": _overrides(env=env, algo=algo, model=model, out=out, device=device, sets=sets),
            "resume": resume,
        }
        return
    overrides = _overrides(
        env=env, algo=algo, model=model, steps=steps, out=out, device=device, sets=sets
    )
    if stages:
        overrides.insert(0, f"stages={stages}")
    _run(config, overrides, resume)


def _parent(ctx: typer.Context) -> dict[str, Any]:
    return ctx.obj or {"config": None, "sets": [], "resume": False}


@app.command("sft")
def sft(
    ctx: typer.Context,
    data: list[str] | None = typer.Option(None, "--data", "-d", help="JSONL files (repeatable)."),
    source: str | None = typer.Option(
        None,
        "--source",
        help="oracle | tokenized | conversations | trajectories | auto (detect per file; default with --data).",
    ),
    steps: int | None = typer.Option(None, "--steps", help="SFT steps."),
    model: str | None = MODEL,
    config: Path | None = CONFIG,
    out: str | None = OUT,
    device: str | None = DEVICE,
    resume: bool = RESUME,
    sets: list[str] | None = SETS,
) -> None:
    """Supervised fine-tuning only (masked cross-entropy on assistant tokens)."""
    parent = _parent(ctx)
    extra = list(parent["sets"])
    if data:
        extra.append(f"sft.data={','.join(data)}")
        if source is None:
            source = "auto"
    if source:
        extra.append(f"sft.source={source}")
    if steps is not None:
        extra.append(f"sft.steps={steps}")
    extra += _overrides(model=model, out=out, device=device, sets=sets)
    _run(config or parent["config"], extra, resume or parent["resume"], stages=["sft"])


@app.command("dpo")
def dpo(
    ctx: typer.Context,
    data: list[str] = typer.Option(
        ..., "--data", "-d", help="JSONL preference pairs (repeatable)."
    ),
    beta: float | None = typer.Option(None, "--beta", help="DPO beta."),
    steps: int | None = typer.Option(None, "--steps", help="DPO steps."),
    model: str | None = MODEL,
    config: Path | None = CONFIG,
    out: str | None = OUT,
    device: str | None = DEVICE,
    resume: bool = RESUME,
    sets: list[str] | None = SETS,
) -> None:
    """DPO only (sigmoid loss against a frozen copy of the starting weights)."""
    parent = _parent(ctx)
    extra = [*parent["sets"], f"dpo.data={','.join(data)}"]
    if beta is not None:
        extra.append(f"dpo.beta={beta}")
    if steps is not None:
        extra.append(f"dpo.steps={steps}")
    extra += _overrides(model=model, out=out, device=device, sets=sets)
    _run(config or parent["config"], extra, resume or parent["resume"], stages=["dpo"])
