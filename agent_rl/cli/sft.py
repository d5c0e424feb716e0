"""`agent-rl sft ...`: convert function-calling data to canonical V3.1-ready records and curate it.

Each curation pass is a sub-command over canonical JSONL/parquet; `pipeline --config` chains
them in one streaming run. Every command prints a table whose counts reconcile
(in + added = out + rejected, by reason) and writes rejects with their source file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(
    help="Function-call SFT data: conversion to canonical records and curation passes.",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Function-call SFT data: conversion and curation."""


def _console():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def convert(
    inputs: list[Path] = typer.Argument(..., help="Input files (JSONL, JSON array, parquet)."),
    from_: str = typer.Option("auto", "--from", help="Input format or 'auto' (detected per file)."),
    out: Path = typer.Option(..., "--out", help="Canonical records: .jsonl or .parquet."),
    tokenized: Path | None = typer.Option(
        None, "--tokenized", help="JSONL of input_ids + loss_mask."
    ),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="JSONL of rejected records with reasons."
    ),
    summary_json: Path | None = typer.Option(None, "--summary", help="Write the summary as JSON."),
) -> None:
    """Convert public function-calling files into canonical conversations."""
    from agent_rl.sft_data.convert import convert_files
    from agent_rl.sft_data.readers import FORMATS, Detection, get_reader
    from agent_rl.sft_data.report import render_table

    if from_ != "auto":
        get_reader(from_)  # names the allowed formats on a typo
    console = _console()
    summary = convert_files(
        inputs,
        from_,
        out=out,
        tokenized=tokenized,
        rejects=rejects,
        on_progress=lambda n: console.log(f"{n} records"),
    )
    formats = {
        name: f"{fmt}{'' if summary.detected.get(name) else ' (given)'}"
        for name, fmt in summary.formats.items()
    }
    console.print(render_table("sft convert", summary.files, total=summary.total, formats=formats))
    console.print(f"formats: auto-detected unless marked (given); known: {', '.join(FORMATS)}")
    for name, found in summary.detection.items():
        note = Detection(**found).describe()
        if note:
            console.print(f"{name}: {note}")
    for name, hint in summary.hints.items():
        console.print(f"{name}: {hint}")
    _say_rejects(console, rejects, summary.total.n_rejected)
    if summary_json is not None:
        summary_json.write_text(json.dumps(summary.to_dict(), indent=2))
    if not summary.reconciles():
        raise typer.Exit(1)


def _say_rejects(console, rejects: Path | None, n: int) -> None:
    if n and rejects is not None:
        console.print(f"each rejected record, with its reason, file and line: {rejects}")
    elif n:
        console.print(
            "pass --rejects FILE to keep each rejected record with its reason, file and line"
        )


def _print_counts(title: str, counts: list, rejects: Path | None = None) -> None:
    from agent_rl.sft_data.report import render_table

    console = _console()
    console.print(render_table(title, counts))
    _say_rejects(console, rejects, sum(c.n_rejected for c in counts))


def _run_single(
    name: str,
    options: dict,
    inputs: list[Path],
    out: Path,
    rejects: Path | None,
    tokenized: Path | None = None,
) -> None:
    """One pass over canonical files, through the same code as `pipeline`."""
    from agent_rl.sft_data.curate.pipeline import parse_config, run_pipeline

    config = parse_config(
        {
            "inputs": [str(p) for p in inputs],
            "from": "canonical",
            "output": str(out),
            "rejects": str(rejects) if rejects else None,
            "tokenized": str(tokenized) if tokenized else None,
            "passes": [{name: {k: v for k, v in options.items() if v is not None}}],
        }
    )
    counts = run_pipeline(config, on_progress=lambda n: _console().log(f"{n} records"))
    _print_counts(f"sft {name}", counts, rejects)
    if not all(c.reconciles() for c in counts):
        raise typer.Exit(1)


_IN = typer.Argument(..., help="Canonical record files (.jsonl or .parquet).")
_OUT = typer.Option(..., "--out", help="Output .jsonl or .parquet.")
_REJ = typer.Option(None, "--rejects", help="JSONL of rejected records with reasons.")


@app.command("think-mix")
def think_mix(
    inputs: list[Path] = _IN,
    out: Path = _OUT,
    rejects: Path | None = _REJ,
    share: float = typer.Option(
        0.5, help="Share of records with reasoning rendered in thinking mode."
    ),
    seed: str = typer.Option("think-mix", help="Salt of the per-id hash."),
    tokenized: Path | None = typer.Option(
        None, "--tokenized", help="Also write input_ids + loss_mask."
    ),
) -> None:
    """Choose thinking-mode targets for a share of the samples with reasoning."""
    _run_single("think_mix", {"share": share, "seed": seed}, inputs, out, rejects, tokenized)


@app.command()
def identity(
    inputs: list[Path] = _IN,
    out: Path = _OUT,
    rejects: Path | None = _REJ,
    mode: str = typer.Option("rewrite", help="rewrite | drop"),
    name: str = typer.Option("Lightning", help="Identity the model claims."),
    developer: str = typer.Option("the Lightning team", help="Developer named in English."),
    developer_zh: str = typer.Option("Lightning 团队", help="Developer named in Chinese."),
    qa_count: int = typer.Option(
        0,
        help="Identity Q&A samples to add (English and Chinese, each with "
        "its own question; at most 40).",
    ),
    exclude: list[str] = typer.Option([], help="Vendor keys not treated as foreign."),
) -> None:
    """Rewrite or drop assistant turns that claim another model's identity."""
    _run_single(
        "identity",
        {
            "mode": mode,
            "name": name,
            "developer": developer,
            "developer_zh": developer_zh,
            "qa_count": qa_count,
            "exclude": exclude,
        },
        inputs,
        out,
        rejects,
    )


@app.command()
def dedup(
    inputs: list[Path] = _IN,
    out: Path = _OUT,
    rejects: Path | None = _REJ,
    side: str = typer.Option("user", help="user | prompt | all"),
    num_perm: int = typer.Option(64),
    bands: int = typer.Option(8),
    ngram: int = typer.Option(5),
    exact_only: bool = typer.Option(False, help="Skip near-duplicate detection."),
) -> None:
    """Drop exact and near-duplicate records (MinHash LSH over the user side)."""
    _run_single(
        "dedup",
        {
            "side": side,
            "num_perm": num_perm,
            "bands": bands,
            "ngram": ngram,
            "near": not exact_only,
        },
        inputs,
        out,
        rejects,
    )


@app.command()
def quality(
    inputs: list[Path] = _IN,
    out: Path = _OUT,
    rejects: Path | None = _REJ,
    max_tokens: int | None = typer.Option(None),
    min_tokens: int | None = typer.Option(None),
    roundtrip: bool = typer.Option(False, help="Check calls survive render + parse."),
    drop: list[str] | None = typer.Option(
        None, help="Issues that reject (default: all but too_short)."
    ),
) -> None:
    """Check calls, schemas, tool results, answers and lengths; score or drop."""
    _run_single(
        "quality",
        {
            "max_tokens": max_tokens,
            "min_tokens": min_tokens,
            "roundtrip": roundtrip,
            "drop": drop or None,
        },
        inputs,
        out,
        rejects,
    )


@app.command()
def difficulty(
    inputs: list[Path] = _IN,
    out: Path = _OUT,
    rejects: Path | None = _REJ,
    policy: str = typer.Option("oracle", help="oracle | tiny | PATH | http://host:port/v1[#model]"),
    k: int = typer.Option(4, help="Rollouts per record."),
    max_tokens: int = typer.Option(1024, help="Tokens per generation."),
    drop_label: list[str] = typer.Option(
        [], help="Labels to reject (easy, medium, hard, unsolved, unknown)."
    ),
) -> None:
    """Label verifiable records easy/medium/hard/unsolved by pass rate over k rollouts.

    A record is verifiable when meta.env_id names an env and meta.task is one of its tasks.
    Pass rate >= 0.8: easy; >= 0.4: medium; > 0: hard; 0: unsolved; all rollouts failed: unknown.
    """
    _run_single(
        "difficulty",
        {"policy": policy, "k": k, "max_tokens": max_tokens, "drop_labels": drop_label},
        inputs,
        out,
        rejects,
    )


@app.command()
def select(
    inputs: list[Path] = _IN,
    out: Path = _OUT,
    rejects: Path | None = _REJ,
    n: int = typer.Option(..., "-n", "--n", help="Records to keep."),
    max_cluster_share: float = typer.Option(0.01, help="Most of N one cluster may take."),
) -> None:
    """Keep N records by quality and diversity (deterministic, independent of input order).

    Rule: each record has a quality score (meta.quality.score from the quality pass, else 1.0)
    and a cluster (a 2-row MinHash of its user text, so paraphrases share one). No cluster may
    keep more than ceil(N * max-cluster-share) records; among those allowed, the N with the
    highest (score, hash of id) are kept, in input order. The rest are rejected as not_selected.
    """
    _run_single("select", {"n": n, "max_cluster_share": max_cluster_share}, inputs, out, rejects)


@app.command()
def pairs(
    inputs: list[Path] = typer.Argument(
        ..., help="Trajectory JSONL files written by `agent-rl rollout`."
    ),
    out: Path = _OUT,
    min_margin: float = typer.Option(
        1e-6, help="Smallest best-minus-worst reward that makes a pair."
    ),
    group_size: int | None = typer.Option(
        None,
        help="The rollout's --group-size: pair each group as soon as it is complete (bounded memory).",
    ),
) -> None:
    """DPO preference pairs: in each rollout group, the best reward against the worst.

    Groups may be interleaved in the files (the rollout writes episodes as they finish).
    Failed episodes are never used; groups with equal rewards or a margin below --min-margin
    give no pair. Every trajectory is counted by what became of it.
    """
    from agent_rl.sft_data.curate.pairs import PairsConfig, build_pairs

    counts = build_pairs(inputs, out, PairsConfig(min_margin=min_margin, group_size=group_size))
    _print_counts("sft pairs (trajectories: in = used in a pair + not used)", [counts])
    typer.echo(f"wrote {counts.notes['pairs_written']} pairs to {out}", err=True)


@app.command()
def pipeline(config: Path = typer.Option(..., "--config", help="Pipeline YAML.")) -> None:
    """Conversion and a chain of passes in one streaming run (see sft_data.curate.pipeline)."""
    from agent_rl.sft_data.curate.pipeline import load_config, run_pipeline

    cfg = load_config(config)
    counts = run_pipeline(cfg, on_progress=lambda n: _console().log(f"{n} records"))
    _print_counts("sft pipeline", counts, Path(cfg["rejects"]) if cfg.get("rejects") else None)
    if not all(c.reconciles() for c in counts):
        raise typer.Exit(1)
