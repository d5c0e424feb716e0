"""`agent-rl swe ...` (making SWE instances, building their images) and `agent-rl eval
swe-bench` (grading predictions or a policy's patches with swebench's harness)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

swe_app = typer.Typer(no_args_is_help=True,
                      help="SWE tasks: make validated instances, build their Docker images.")


@swe_app.command("make-instances")
def make_instances_command(
    out_dir: Path = typer.Option(None, "--out-dir",
                                 help="Where swe_{train,test}.jsonl go (default: the shipped "
                                      "data folder)."),
    repo: list[str] = typer.Option([], "--repo", help="Only these shipped repositories."),
    workers: int = typer.Option(2, "--workers", help="Candidates checked at once."),
    limit_per_repo: int | None = typer.Option(None, "--limit-per-repo",
                                              help="Candidate bugs tried per repository."),
    max_fail: int = typer.Option(8, "--max-fail", help="Most FAIL_TO_PASS tests per bug."),
    backend: str = typer.Option("bwrap", "--backend", help="bwrap | docker (test runs)."),
) -> None:
    """Inject bugs into the shipped repositories and keep the validated ones."""
    from agent_rl.envs.swe.evaluate import DATA_DIR
    from agent_rl.envs.swe.factory import make_instances
    from agent_rl.envs.swe.grading import sandbox_for

    target = out_dir or DATA_DIR
    report = make_instances(target, repos=repo or None, sandbox=sandbox_for(backend),
                            workers=workers, max_fail=max_fail, limit_per_repo=limit_per_repo,
                            log=lambda line: typer.echo(line, err=True))
    typer.echo(json.dumps({"out_dir": str(target), "kept": report.kept,
                           "candidates": report.candidates, "dropped": report.dropped,
                           "per_repo": report.per_repo, "seconds": report.seconds}, indent=2))


@swe_app.command("build-images")
def build_images_command(
    dataset: Path = typer.Option(None, "--dataset", help="Instances (default: shipped held-out)."),
    limit: int | None = typer.Option(None, "--limit"),
    workers: int = typer.Option(2, "--workers"),
    force: bool = typer.Option(False, "--force", help="Rebuild images that exist."),
) -> None:
    """Build the environment image and one swebench instance image per instance."""
    from agent_rl.envs.swe.evaluate import DEFAULT_DATASET
    from agent_rl.envs.swe.images import ensure_images
    from agent_rl.envs.swe.instance import load_instances

    instances, rejected = load_instances(dataset or DEFAULT_DATASET)
    for bad in rejected:
        typer.echo(f"rejected {bad['where']}: {bad['reason']}", err=True)
    instances = instances[:limit] if limit is not None else instances
    built = ensure_images(instances, workers=workers, force=force)
    failed = {k: v for k, v in built.items() if v}
    typer.echo(json.dumps({"built": len(built) - len(failed), "failed": failed}, indent=2))
    if failed:
        raise typer.Exit(1)


def swe_bench_command(
    dataset: Path = typer.Option(None, "--dataset",
                                 help="SWE-bench instances (JSON, JSONL, parquet); default: "
                                      "the shipped held-out instances."),
    predictions: Path = typer.Option(None, "--predictions",
                                     help="The harness's predictions JSONL (instance_id, "
                                          "model_name_or_path, model_patch)."),
    policy: str = typer.Option(None, "--policy",
                               help="oracle (gold patch) | empty | tiny | PATH | URL: run it "
                                    "first and grade its patches."),
    limit: int | None = typer.Option(None, "--limit", help="First N instances."),
    workers: int = typer.Option(2, "--workers", help="Instances graded at once."),
    backend: str = typer.Option("docker", "--backend",
                                help="docker (swebench's run_evaluation) | bwrap (in-process)."),
    out_dir: Path = typer.Option(Path("swe_eval"), "--out-dir"),
    timeout: int = typer.Option(300, "--timeout", help="Seconds per instance's test run."),
    max_turns: int = typer.Option(16, "--max-turns", help="Agent turns (with --policy)."),
    max_tokens: int = typer.Option(1024, "--max-tokens",
                                   help="Tokens per agent turn (with --policy)."),
    max_total_tokens: int = typer.Option(
        16384, "--max-total-tokens",
        help="Tokens per agent episode, prompt and observations included (with --policy)."),
) -> None:
    """Grade predictions on SWE-bench instances with swebench's harness; report + summary."""
    from agent_rl.cli import checks

    if (predictions is None) == (policy is None):
        raise typer.BadParameter("give exactly one of --predictions FILE or --policy P")
    if backend not in ("docker", "bwrap"):
        raise typer.BadParameter("docker or bwrap", param_hint="--backend")
    # Checked before the (long) run: a bad --out-dir fails now, not after the grading.
    out_dir = checks.output_dir(out_dir)
    if predictions is not None:
        checks.input_file(predictions, "--predictions")
    if dataset is not None:
        checks.input_file(dataset, "--dataset")
    for value, option in ((workers, "--workers"), (timeout, "--timeout"),
                          (max_turns, "--max-turns"), (max_tokens, "--max-tokens"),
                          (max_total_tokens, "--max-total-tokens")):
        checks.number(value, option, minimum=1)

    from agent_rl.envs.swe.evaluate import DEFAULT_DATASET, evaluate

    dataset = dataset or DEFAULT_DATASET
    preds: list[dict[str, Any]] | None = None
    if policy is not None and policy not in ("oracle", "empty"):
        preds = agent_predictions(dataset, policy, limit, backend, out_dir,
                                  max_turns=max_turns, max_tokens=max_tokens,
                                  max_total_tokens=max_total_tokens, workers=workers)
    result = evaluate(dataset, predictions=preds, predictions_file=predictions,
                      policy=policy, limit=limit, workers=workers, backend=backend,
                      out_dir=out_dir, timeout=timeout)
    d = result.to_dict()
    rate = "n/a" if d["resolved_rate"] is None else f"{100 * d['resolved_rate']:.1f}%"
    typer.echo(f"resolved {d['resolved']}/{d['instances'] - d['infra_errors']} ({rate}); "
               f"infrastructure errors {d['infra_errors']}; rejected inputs "
               f"{len(d['rejected'])}; {d['seconds']} s ({backend})")
    for bad in d["rejected"]:
        typer.echo(f"  rejected {bad.get('instance_id') or '?'} ({bad['where']}): "
                   f"{bad['reason']}", err=True)
    typer.echo(f"wrote {out_dir / 'report.json'} and {out_dir / 'summary.md'}")


def agent_predictions(dataset: Path, policy: Any, limit: int | None, backend: str,
                      out_dir: Path, *, max_turns: int = 16, max_tokens: int = 1024,
                      max_total_tokens: int = 16384,
                      workers: int = 2) -> list[dict[str, Any]]:
    """Run `policy` on SWE-v0 over the instances graded (the first `limit` valid ones); its
    submitted diffs, one prediction per instance: an episode out of turns, its diff when it
    ended; one the rollout stopped (token budget) before the env graded it, an empty patch;
    one that failed for infrastructure reasons (env, backend, step timeout), a prediction
    marked `infra_error`, which the report counts as such and never scores 0."""
    from agent_rl.envs.swe.instance import load_instances
    from agent_rl.evals.evaluate import run_eval
    from agent_rl.rollout import RolloutLimits

    instances, _ = load_instances(dataset)
    chosen = instances if limit is None else instances[: max(limit, 0)]
    if not chosen:
        return []
    from agent_rl.cli.checks import atomic_output

    subset = out_dir / "agent_instances.jsonl"
    with atomic_output(subset) as f:
        f.write("".join(json.dumps(i.to_dict()) + "\n" for i in chosen))
    _, trajectories = run_eval(
        "agent_rl/SWE-v0", policy, n_tasks=len(chosen), k=1, concurrency=max(1, workers),
        limits=RolloutLimits(max_turns=max_turns, max_tokens_per_turn=max_tokens,
                             max_total_tokens=max_total_tokens, step_timeout_s=300),
        env_kwargs={"dataset": str(subset), "split": "all", "backend": backend,
                    "max_turns": max_turns})
    patches: dict[str, str] = {}
    failures: dict[str, str] = {}
    for traj in trajectories:
        if traj.task_id is None:
            continue
        if traj.failed:  # not the agent's doing: reported, never graded as a patch
            failures[traj.task_id] = f"{traj.termination}: {traj.error or 'no detail'}"
            continue
        details = (traj.scores[-1].get("details") or {}) if traj.scores else {}
        if "model_patch" in details:
            patches[traj.task_id] = details["model_patch"]
    name = policy if isinstance(policy, str) else type(policy).__name__
    preds = []
    for i in chosen:
        pred: dict[str, Any] = {"instance_id": i.instance_id, "model_name_or_path": name,
                                "model_patch": patches.get(i.instance_id, "")}
        if i.instance_id in failures:
            pred["infra_error"] = failures[i.instance_id]
        preds.append(pred)
    return preds


def register(app: typer.Typer) -> None:
    """Add the `swe` group and `agent-rl eval swe-bench`."""
    from agent_rl.cli.evaluate import eval_app

    app.add_typer(swe_app, name="swe")
    eval_app.command("swe-bench")(swe_bench_command)
