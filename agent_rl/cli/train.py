"""`agent-rl train`: SFT warm-up then RL (or any pipeline of sft, rl, dpo) on one machine.

    agent-rl train                                   # tiny model, Calculator env, SFT then GRPO
    agent-rl train --env agent_rl/Math-v0 --algo dapo --config configs/math_grpo.yaml
    agent-rl train --out runs/demo --resume          # continue a killed run
    agent-rl train --env my_envs.py:my/Env-v0 -k level=2
    agent-rl train sft --source tokenized --data data.jsonl
    agent-rl train dpo --data pairs.jsonl --model runs/demo   # from the run's final model

Each run gets its own folder (`runs/<command>-<timestamp>` unless `--out`); a folder holding
another run's checkpoints is refused unless `--resume` (same settings) or `--overwrite`.

Every option is also a config key (`--set rl.lr=1e-4` sets any of them); the command line wins
over the YAML file, which wins over the defaults. Heavy imports happen inside the commands so
`agent-rl --help` stays fast.
"""

from __future__ import annotations

import logging
import os
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
    rl_steps: int | None = None,
    sft_steps: int | None = None,
    out: str | None = None,
    device: str | None = None,
    dataset: str | None = None,
    env_kwargs: list[str] | None = None,
    sets: list[str] | None = None,
) -> list[str]:
    import json

    from agent_rl.cli.rollout import parse_env_kwargs

    items = []
    for key, value in (
        ("env.id", env),
        ("rl.algo", algo),
        ("model.name", model),
        ("rl.steps", rl_steps),
        ("sft.steps", sft_steps),
        ("output_dir", out),
        ("device", device),
    ):
        if value is not None:
            items.append(f"{key}={value}")
    for key, value in parse_env_kwargs(env_kwargs, dataset).items():
        items.append(f"env.kwargs.{key}={json.dumps(value)}")
    return items + list(sets or [])


def _run(
    config: Path | None,
    overrides: list[str],
    resume: bool,
    overwrite: bool = False,
    stages: list[str] | None = None,
    command: str = "train",
    source: str | None = None,
) -> dict[str, Any]:
    from agent_rl.train.config import load_config

    if stages is not None:
        overrides = [f"stages={','.join(stages)}", *overrides]
    cfg = load_config(config, overrides)
    if "dpo" in cfg.stages and cfg.stages[0] == "dpo":
        start = (
            "the untrained embedded tiny model (pass --model RUN_DIR to start from a trained "
            "policy)"
            if cfg.model.name == "tiny"
            else cfg.model.name
        )
        typer.echo(f"dpo starts from {start}", err=True)
    return _train(cfg, resume, overwrite, command, source)


def _train(
    cfg: Any, resume: bool, overwrite: bool, command: str, source: str | None = None
) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent_rl.train.pipeline import run_pipeline

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # rich draws the progress
    console = Console(stderr=True)
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

        summary = run_pipeline(
            cfg,
            resume=resume,
            overwrite=overwrite,
            on_step=on_step,
            command=command,
            source=source,
        )
    for line in summary_lines(summary):
        typer.echo(line)
    return summary


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The run's result in a few lines (stdout): held-out success, tool use, DPO, where."""
    cfg = summary["config"]
    algo = cfg["rl"]["algo"].upper()
    lines = []
    hs = summary.get("held_out_success")
    if hs:
        lines.append(
            f"held-out success: {hs['after_sft']:.3f} after SFT warm-up -> {hs['after_rl']:.3f} "
            f"after {algo} (gain {hs['gain']:+.3f})"
        )
        tu = summary.get("held_out_tool_use")
        if tu and (tu["after_sft"] or tu["after_rl"] or _has_tools(cfg)):
            lines.append(
                f"held-out episodes calling a tool: {tu['after_sft']:.3f} after SFT warm-up -> "
                f"{tu['after_rl']:.3f} after {algo}"
            )
    dpo = summary["stages"].get("dpo")
    if dpo and "dpo/margin" in dpo:
        lines.append(f"DPO: margin {dpo['dpo/margin']:.3f}, accuracy {dpo['dpo/accuracy']:.2f}")
    for stage in summary["stages"].values():
        for warning in stage.get("warnings") or []:
            typer.echo(f"warning: {warning}", err=True)
    out = summary.get("output_dir", cfg.get("output_dir"))
    lines.append(f"done in {summary['seconds']:.0f}s; summary, metrics, plots and models in {out}")
    return lines


def _has_tools(cfg: dict[str, Any]) -> bool:
    """Whether the training env offers tools (so a tool-use rate of 0 means something)."""
    try:
        from agent_rl import envs

        env = envs.make(cfg["env"]["id"], **dict(cfg["env"].get("kwargs") or {}))
    except Exception:
        return False
    try:
        return bool(getattr(env, "tool_names", ()))
    finally:
        env.close()


CONFIG = typer.Option(
    None, "--config", "-c", help="YAML config (see configs/).", exists=True, dir_okay=False
)
SETS = typer.Option(None, "--set", "-s", help="Any config key: --set rl.lr=1e-4 (repeatable).")
RESUME = typer.Option(
    False, "--resume", help="Continue the run in --out (its settings must match)."
)
OVERWRITE = typer.Option(
    False, "--overwrite", help="Replace the run in --out (its checkpoints are deleted)."
)
OUT = typer.Option(None, "--out", "-o", help="Run directory (default: runs/<command>-<timestamp>).")
MODEL = typer.Option(
    None,
    "--model",
    "-m",
    help="tiny (the embedded default), a local model dir, or a run dir (its final model).",
)
DEVICE = typer.Option(None, "--device", help="auto, cpu, cuda, cuda:N.")
DATASET = typer.Option(
    None, "--dataset", help="Task source of the env (env `source`): a file or reasoning_gym:NAME."
)
ENV_KWARGS = typer.Option(
    None, "--env-kwarg", "-k", help="Env option key=value, JSON values parsed (repeatable)."
)


@app.callback()
def train(
    ctx: typer.Context,
    env: str | None = typer.Option(
        None,
        "--env",
        "-e",
        help="Env id (default agent_rl/Calculator-v0), module:EnvId or file.py:EnvId.",
    ),
    algo: str | None = typer.Option(None, "--algo", "-a", help="grpo | ppo | dapo | gspo."),
    model: str | None = MODEL,
    config: Path | None = CONFIG,
    steps: int | None = typer.Option(None, "--steps", help="RL steps (same as --rl-steps)."),
    rl_steps: int | None = typer.Option(None, "--rl-steps", help="RL steps."),
    sft_steps: int | None = typer.Option(None, "--sft-steps", help="SFT warm-up steps."),
    out: str | None = OUT,
    device: str | None = DEVICE,
    resume: bool = RESUME,
    overwrite: bool = OVERWRITE,
    dataset: str | None = DATASET,
    env_kwargs: list[str] | None = ENV_KWARGS,
    sets: list[str] | None = SETS,
    stages: str | None = typer.Option(None, "--stages", help="Comma list, e.g. sft,rl,dpo."),
    source: str | None = typer.Option(
        None,
        "--from",
        help="Start from another run's finished stages that match (e.g. its SFT warm-up).",
    ),
    backend: str = typer.Option("local", "--backend", help="local | verl (docs/verl.md)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="verl: write the run, print the command."
    ),
    nodes: int = typer.Option(1, "--nodes", help="verl: nodes."),
    gpus_per_node: int = typer.Option(8, "--gpus-per-node", help="verl: GPUs per node."),
    ray_address: str | None = typer.Option(None, "--ray-address", help="verl: Ray cluster."),
    mode: str = typer.Option("sync", "--mode", help="verl: sync | one_step_off | fully_async."),
    reward_model: str | None = typer.Option(None, "--reward-model", help="verl rm_ppo: RM dir."),
) -> None:
    """Run the pipeline (default: SFT warm-up, then RL) and report held-out success."""
    if steps is not None and rl_steps is not None and steps != rl_steps:
        raise typer.BadParameter("--steps and --rl-steps disagree; give one", param_hint="--steps")
    _refuse_other_backends_options(ctx, backend)
    if backend != "local":  # verl: `--set` items are verl Hydra overrides (agent_rl.cli.verl)
        if backend != "verl":
            raise typer.BadParameter("expected local or verl", param_hint="--backend")
        from agent_rl.cli.verl import train_verl

        code = train_verl(
            env=env,
            algo=algo,
            model=model,
            out=out,
            steps=rl_steps or steps,
            dataset=dataset,
            env_kwargs=env_kwargs,
            sets=sets,
            dry_run=dry_run,
            nodes=nodes,
            gpus_per_node=gpus_per_node,
            ray_address=ray_address,
            mode=mode,
            reward_model=reward_model,
        )
        raise typer.Exit(code)
    shared = dict(env=env, algo=algo, model=model, out=out, device=device, dataset=dataset)
    if ctx.invoked_subcommand is not None:
        ctx.obj = {
            "config": config,
            "sets": _overrides(**shared, env_kwargs=env_kwargs, sets=sets),
            "resume": resume,
            "overwrite": overwrite,
        }
        return
    overrides = _overrides(
        **shared,
        rl_steps=rl_steps if rl_steps is not None else steps,
        sft_steps=sft_steps,
        env_kwargs=env_kwargs,
        sets=sets,
    )
    if stages:
        overrides.insert(0, f"stages={stages}")
    _run(config, overrides, resume, overwrite, source=source)


_VERL_ONLY = ("dry_run", "nodes", "gpus_per_node", "ray_address", "mode", "reward_model")
_LOCAL_ONLY = ("config", "stages", "resume", "overwrite", "source", "sft_steps", "device")


def _refuse_other_backends_options(ctx: typer.Context, backend: str) -> None:
    """An option of the other backend is an error, not silently ignored (`--dry-run` without
    `--backend verl` would otherwise start a whole local run)."""
    wrong = _LOCAL_ONLY if backend == "verl" else _VERL_ONLY if backend == "local" else ()
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name)  # by name: typer may vendor click
        if param.name in wrong and getattr(source, "name", "") in ("COMMANDLINE", "ENVIRONMENT"):
            flag = max(param.opts, key=len)
            other = "verl" if backend == "local" else "local"
            raise typer.BadParameter(f"{flag} applies to --backend {other} only",
                                     param_hint=flag)


def _parent(ctx: typer.Context) -> dict[str, Any]:
    return ctx.obj or {"config": None, "sets": [], "resume": False, "overwrite": False}


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
    overwrite: bool = OVERWRITE,
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
    extra += _overrides(model=model, sft_steps=steps, out=out, device=device, sets=sets)
    _run(
        config or parent["config"],
        extra,
        resume or parent["resume"],
        overwrite or parent["overwrite"],
        stages=["sft"],
        command="train-sft",
    )


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
    overwrite: bool = OVERWRITE,
    sets: list[str] | None = SETS,
) -> None:
    """DPO only (sigmoid loss against a frozen copy of the starting weights).

    It starts from --model: give the run folder of a trained policy (`--model runs/X`) to
    improve that policy; without it DPO starts from the untrained embedded model.
    """
    parent = _parent(ctx)
    extra = [*parent["sets"], f"dpo.data={','.join(data)}"]
    if beta is not None:
        extra.append(f"dpo.beta={beta}")
    if steps is not None:
        extra.append(f"dpo.steps={steps}")
    extra += _overrides(model=model, out=out, device=device, sets=sets)
    _run(
        config or parent["config"],
        extra,
        resume or parent["resume"],
        overwrite or parent["overwrite"],
        stages=["dpo"],
        command="train-dpo",
    )
