"""`agent-rl serve retriever`: Search-R1's `/retrieve` protocol over a local index."""

from __future__ import annotations

from pathlib import Path

import typer


def serve_retriever_command(
    corpus: Path = typer.Option(
        ..., "--corpus", help="JSONL corpus: {id, text, title?} or {id, contents}."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    retriever: str = typer.Option("bm25", "--retriever", help="bm25 or dense:MODEL_DIR."),
    topk: int = typer.Option(3, "--topk", help="Results when a request gives no topk."),
) -> None:
    """Serve POST /retrieve ({"queries", "topk", "return_scores"}) from a local BM25 or dense index."""
    from agent_rl.envs.search.corpus import load_corpus
    from agent_rl.envs.search.retriever import make_retriever
    from agent_rl.envs.search.server import serve_retriever

    docs = load_corpus(corpus)
    backend = make_retriever(retriever, docs)
    typer.secho(
        f"serving {retriever} over {len(docs)} documents on http://{host}:{port}/retrieve "
        "(Ctrl-C to stop)",
        err=True,
    )
    try:
        serve_retriever(backend, host=host, port=port, default_topk=topk)
    except KeyboardInterrupt:
        typer.secho("stopped", err=True)


def register(app: typer.Typer) -> None:
    """Add `agent-rl serve retriever`."""
    from agent_rl.cli.serve import serve_app

    serve_app.command("retriever")(serve_retriever_command)
