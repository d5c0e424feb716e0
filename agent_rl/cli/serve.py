"""`agent-rl serve`: an OpenAI-compatible server for a local model (the tiny one by default)."""

from __future__ import annotations

import typer

serve_app = typer.Typer(
    invoke_without_command=True,
    help="Serve a local model (OpenAI-compatible), or another service (`serve NAME`).",
)
"""`agent-rl serve` serves a policy; other servers (a retriever, ...) add themselves with
`serve_app.command(NAME)` from their own CLI module."""


@serve_app.callback()
def serve_command(
    ctx: typer.Context,
    model: str = typer.Option("tiny", "--model", help="'tiny' or a local transformers directory."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    chat_format: str = typer.Option("deepseek_v31", "--chat-format"),
    device: str | None = typer.Option(None, "--device", help="cpu, cuda, ... (default: cpu)."),
    max_batch_size: int = typer.Option(32, "--max-batch-size"),
) -> None:
    """Serve /v1/models, /v1/completions (token ids) and /v1/chat/completions."""
    if ctx.invoked_subcommand is not None:
        return
    from agent_rl.cli.rollout import quiet_libraries
    from agent_rl.rollout.serve import serve

    quiet_libraries()

    typer.secho(f"serving {model} on http://{host}:{port}/v1 (Ctrl-C to stop)", err=True)
    try:
        serve(
            model,
            host=host,
            port=port,
            chat_format=chat_format,
            device=device,
            max_batch_size=max_batch_size,
        )
    except KeyboardInterrupt:
        typer.secho("stopped", err=True)


def register(app: typer.Typer) -> None:
    """Add `agent-rl serve` (a group: the policy server plus other servers)."""
    app.add_typer(serve_app, name="serve")
