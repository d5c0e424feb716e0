"""`agent-rl sandbox`: run a file in a sandbox and print the result as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agent_rl.errors import AgentRLError, ConfigError

app = typer.Typer(
    help="Run untrusted code in a sandbox (bubblewrap or Docker).", no_args_is_help=True
)

_INTERPRETERS = {".py": ["python3"], ".sh": ["/bin/sh"]}


@app.callback()
def _group() -> None:
    """Sandbox commands."""


@app.command("run")
def run(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        readable=True,
        help="Program to run (.py with python3, .sh with sh, else exec).",
    ),
    backend: str = typer.Option("auto", "--backend", "-b", help="bwrap, docker or auto."),
    timeout: float = typer.Option(10.0, "--timeout", "-t", help="Wall-clock limit in seconds."),
    memory: int = typer.Option(512, "--memory", "-m", help="Memory limit in MB."),
    max_processes: int = typer.Option(64, "--max-processes", help="Process/thread limit."),
    stdin: Path | None = typer.Option(
        None,
        "--stdin",
        exists=True,
        dir_okay=False,
        help="File whose content is the program's stdin.",
    ),
) -> None:
    """Run FILE in a fresh sandbox; print the SandboxResult as JSON (exit 0 unless infra fails)."""
    from agent_rl.tools.sandbox import get_sandbox

    try:
        # One run: a Docker warm pool would only start containers nobody uses.
        sandbox = (
            get_sandbox(backend, shared=False, warm=0)
            if backend == "docker"
            else get_sandbox(backend)
        )
        name = file.name
        if file.suffix in _INTERPRETERS:
            command = [*_INTERPRETERS[file.suffix], name]
        else:
            command = ["/bin/sh", "-c", f'chmod +x "./{name}" && exec "./{name}"']
        result = sandbox.run(
            command,
            files={name: file.read_bytes()},
            stdin=stdin.read_bytes() if stdin else None,
            timeout=timeout,
            memory_mb=memory,
            max_processes=max_processes,
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    except AgentRLError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result.to_dict(), indent=2))
    if result.infra_error:
        raise typer.Exit(2)
