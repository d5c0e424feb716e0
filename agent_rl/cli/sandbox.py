"""`agent-rl sandbox`: run a file in a sandbox and print the result as JSON.

The exit status is the program's, as `docker run` does: its own status, 128+N when a signal
killed it, 124 on the time limit, 137 when it ran out of memory, and 125 when the sandbox
itself failed (the program's outcome is unknown).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agent_rl.errors import AgentRLError, ConfigError

#: Exit statuses besides the program's own (the conventions of `timeout` and `docker run`).
EXIT_TIMEOUT, EXIT_SANDBOX_FAILED, EXIT_OOM = 124, 125, 137

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
    """Run FILE in a fresh sandbox; print the SandboxResult as JSON; exit with its status."""
    from agent_rl.cli.checks import number
    from agent_rl.tools.sandbox import get_sandbox

    number(timeout, "--timeout", above=0)
    number(memory, "--memory", minimum=1)
    number(max_processes, "--max-processes", minimum=1)
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
        raise typer.Exit(EXIT_SANDBOX_FAILED) from exc
    typer.echo(json.dumps(result.to_dict(), indent=2))
    raise typer.Exit(exit_status(result))


def exit_status(result: object) -> int:
    """The command's exit status for a `SandboxResult` (see the module docstring)."""
    if getattr(result, "infra_error", None):
        return EXIT_SANDBOX_FAILED
    if getattr(result, "oom", False):
        return EXIT_OOM
    if getattr(result, "timed_out", False):
        return EXIT_TIMEOUT
    code = getattr(result, "exit_code", None)
    return EXIT_SANDBOX_FAILED if code is None else int(code)
