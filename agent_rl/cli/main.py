"""Entry point of the `agent-rl` command: mounts one typer app per sub-command group.

Sub-command modules import heavy libraries (torch, transformers) inside their commands, so
`agent-rl --help` stays fast.
"""

from __future__ import annotations

import logging
import sys

import typer

from agent_rl.errors import AgentRLError

app = typer.Typer(
    name="agent-rl",
    help="Train language-model agents with RL: environments, V3.1 rollouts, training, evals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from agent_rl import __version__

        typer.echo(f"agent-rl {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


REGISTERING = (
    "agent_rl.cli.rollout",
    "agent_rl.cli.evaluate",
    "agent_rl.cli.serve",
    "agent_rl.cli.verl",
    "agent_rl.cli.bfcl",
    "agent_rl.cli.swe",
    "agent_rl.cli.search",
    # Env families and backends: each module's `register(app)` adds its commands (its own
    # groups, or sub-commands of `eval`/`serve` through `eval_app`/`serve_app`).
)
"""Modules with a `register(app)` function, mounted in this order (a missing one is skipped)."""


def _mount() -> None:
    """Attach every sub-command module that exists (rooms land independently)."""
    import importlib

    groups = {
        "envs": "agent_rl.cli.envs",
        "sandbox": "agent_rl.cli.sandbox",
        "sft": "agent_rl.cli.sft",
        "train": "agent_rl.cli.train",
    }
    for name, module_name in groups.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        app.add_typer(module.app, name=name)
    for module_name in REGISTERING:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(app)


_mount()


def run() -> None:
    """Console entry that turns agent-rl errors into one readable line and exit code 2."""
    try:
        app(standalone_mode=True)
    except AgentRLError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)


if __name__ == "__main__":
    run()
