"""`agent-rl envs list|check`: see which environments exist and prove one works.

`check` runs Gymnasium's `check_env` (API conformance and seed determinism) and then the env's
own `validate` (the reference answer scores 1.0, a wrong answer less) on N tasks.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer

from agent_rl.cli.rollout import parse_env_kwargs

app = typer.Typer(help="List and check environments.", no_args_is_help=True)


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    tools: bool = typer.Option(
        False, "--tools", help="Also build each env to list its tools (slower)."
    ),
) -> None:
    """List every registered env: id, entry point, description (and tools with --tools).

    Without --tools no env is built and no env module is imported, so the list is instant.
    """
    from rich.console import Console
    from rich.table import Table

    from agent_rl import envs
    from agent_rl.envs.core.registry import load_entry_points

    errors = load_entry_points()
    rows = []
    for env_id, entry in envs.registered_envs().items():
        tool_names = None
        try:
            description = entry.resolved_description()
            if tools:
                env = envs.make(env_id)
                tool_names = ", ".join(getattr(env, "tool_names", ())) or "-"
                env.close()
        except Exception as exc:  # one broken env must not hide the others
            description, tool_names = f"(failed to load: {type(exc).__name__}: {exc})", "?"
        row = {"id": env_id, "entry_point": entry.entry_point_name, "description": description}
        if tools:
            row["tools"] = tool_names
        rows.append(row)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="agent-rl environments")
    for column in rows[0] if rows else ("id",):
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*[str(v) for v in row.values()])
    console = Console()
    console.print(table)
    for plugin, error in errors.items():
        Console(stderr=True).print(f"[yellow]plugin {plugin} failed: {error}[/yellow]")


@app.command("check")
def check_command(
    env_id: str = typer.Argument(..., help="Env id, e.g. agent_rl/Math-v0."),
    n: int = typer.Option(10, "--n", "-n", help="Tasks to validate."),
    kwarg: list[str] = typer.Option(
        [],
        "--env-kwarg",
        "--kwarg",
        "-k",
        help="Constructor argument key=value, JSON values parsed (repeatable).",
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Task source (env `source`), e.g. reasoning_gym:basic_arithmetic."
    ),
) -> None:
    """Run Gymnasium's check_env and the env's self-validation on N tasks."""
    from gymnasium.utils.env_checker import check_env
    from rich.console import Console

    from agent_rl import envs

    console = Console()
    env = envs.make(env_id, **parse_env_kwargs(kwarg, dataset))
    failed = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            check_env(env)
        except Exception as exc:
            console.print(f"[red]check_env FAILED[/red]: {type(exc).__name__}: {exc}")
            failed = True
    if not failed:
        console.print("[green]check_env passed[/green]")
    for warning in caught:
        console.print(f"[yellow]warning[/yellow]: {warning.message}")
    report = env.validate(n)
    style = "green" if report.ok else "red"
    console.print(f"[{style}]{report.summary()}[/{style}]")
    env.close()
    if failed or not report.ok:
        raise typer.Exit(code=1)


@app.command("new")
def new_command(
    name: str = typer.Argument(..., help="Env name, e.g. Sums (registers local/Sums-v0)."),
    directory: Path = typer.Option(Path("."), "--dir", "-d", help="Where the two files go."),
    force: bool = typer.Option(False, "--force", help="Replace existing files."),
) -> None:
    """Write a small working env (`<name>.py`) and its test (`test_<name>.py`) to edit."""
    from agent_rl.cli.scaffold import write_scaffold

    env_path, test_path, spec = write_scaffold(name, directory, force=force)
    typer.echo(f"wrote {env_path} and {test_path}")
    typer.echo(f"  agent-rl envs check {spec}")
    typer.echo(f"  python -m pytest -q {test_path}")
    typer.echo(f"  agent-rl train --env {spec}")
