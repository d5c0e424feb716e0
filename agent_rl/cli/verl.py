"""`agent-rl data verl` and the verl side of `agent-rl train --backend verl`.

    agent-rl data verl --env agent_rl/Math-v0 --split train --n 1000 --out data/math
    agent-rl train --backend verl --env agent_rl/Math-v0 --algo dapo --dry-run --out runs/m
    bash runs/m/run.sh --cfg job          # verl's composed config, no Ray

verl itself is imported only by the launched run.
"""

from __future__ import annotations

from pathlib import Path

import typer

data_app = typer.Typer(
    help="Write training data for other trainers (verl parquet).", no_args_is_help=True
)


@data_app.command("verl")
def data_verl(
    env: str = typer.Option(..., "--env", "-e", help="Env id, module:EnvId or file.py:EnvId."),
    split: str = typer.Option("train", "--split", help="train | test | all."),
    n: int | None = typer.Option(None, "--n", help="First N tasks of the split (default: all)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder; writes <split>.parquet."),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Task source of the env (env `source`)."
    ),
    env_kwargs: list[str] | None = typer.Option(
        None, "--env-kwarg", "-k", help="Env option key=value, JSON values parsed (repeatable)."
    ),
    agent_name: str = typer.Option(
        "agent_rl", "--agent-name", help="verl agent loop for the rows."
    ),
) -> None:
    """verl's RL parquet (data_source, prompt, ability, reward_model, extra_info, agent_name)."""
    from agent_rl.cli.rollout import parse_env_kwargs
    from agent_rl.train.verl.data import write_verl_data

    path = write_verl_data(
        env,
        out,
        split=split,
        n=n,
        env_kwargs=parse_env_kwargs(env_kwargs, dataset),
        agent_name=agent_name,
    )
    typer.echo(str(path))


def train_verl(
    *,
    env: str | None,
    algo: str | None = None,
    model: str | None = None,
    out: str | None = None,
    steps: int | None = None,
    dataset: str | None = None,
    env_kwargs: list[str] | None = None,
    sets: list[str] | None = None,
    dry_run: bool = False,
    nodes: int = 1,
    gpus_per_node: int = 8,
    ray_address: str | None = None,
    mode: str = "sync",
    reward_model: str | None = None,
) -> int:
    """`agent-rl train --backend verl`: write the run folder, print the command, maybe launch.

    `--set` items are verl Hydra overrides here (e.g. `--set actor_rollout_ref.rollout.n=16`);
    they come last, so they win.
    """
    import time

    from agent_rl.cli.rollout import parse_env_kwargs
    from agent_rl.train.verl.launch import launch_run, prepare_run

    env_id = env or "agent_rl/Calculator-v0"
    if model in (None, "tiny"):
        from agent_rl.models import tiny_model_path

        model_path = str(tiny_model_path())
    else:
        model_path = str(Path(model).resolve()) if Path(model).exists() else model
    out_dir = out or f"runs/verl-{time.strftime('%Y%m%d-%H%M%S')}"
    prepared = prepare_run(
        env_id,
        out_dir,
        model_path=model_path,
        env_kwargs=parse_env_kwargs(env_kwargs, dataset),
        ray_address=ray_address,
        algo=algo or "grpo",
        mode=mode,
        nodes=nodes,
        gpus_per_node=gpus_per_node,
        reward_model_path=reward_model,
        total_training_steps=steps,
        experiment=Path(out_dir).name,
        extra=list(sets or []),
    )
    typer.echo(
        f"wrote {prepared.n_train} train and {prepared.n_test} test rows, the agent-loop config "
        f"and {prepared.script}",
        err=True,
    )
    typer.echo(prepared.command_line)
    if dry_run:
        return 0
    return launch_run(prepared)


def register(app: typer.Typer) -> None:
    """Add `agent-rl data` (its `verl` command)."""
    app.add_typer(data_app, name="data")
