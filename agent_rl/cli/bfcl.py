"""`agent-rl eval bfcl`: BFCL with a policy, or grading a predictions file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from agent_rl.cli.evaluate import eval_app


def bfcl_command(
    categories: str = typer.Option(
        "runnable",
        "--categories",
        help="Comma-separated categories or groups (runnable, all, python, multi_turn, live, ...).",
    ),
    policy: str = typer.Option(
        "oracle", "--policy", help="oracle | tiny | PATH | http://host:port/v1[#model]"
    ),
    predictions: Path | None = typer.Option(
        None, "--predictions", help='Grade a JSONL of {"id", "result"} instead of running a policy.'
    ),
    out_dir: Path = typer.Option(Path("runs/bfcl"), "--out-dir", help="Where the report goes."),
    limit: int | None = typer.Option(None, "--limit", help="First N entries per category."),
    chat_format: str = typer.Option("deepseek_v31", "--chat-format"),
    concurrency: int = typer.Option(32, "--concurrency"),
    max_tokens: int | None = typer.Option(
        None, "--max-tokens", help="Tokens per generation (default 1024; the oracle: the total)."
    ),
    max_total_tokens: int = typer.Option(131072, "--max-total-tokens"),
    temperature: float = typer.Option(0.0, "--temperature"),
    thinking: bool = typer.Option(False, "--thinking"),
    seed: int = typer.Option(0, "--seed"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """BFCL accuracy per category and BFCL's summary: report.json/.md, accuracy.png,
    verdicts.jsonl (and results.jsonl with the decoded answers of a policy run)."""
    from agent_rl.cli import checks

    # Checked before the (long) run: a bad --out-dir fails now, not after every category.
    out_dir = checks.output_dir(out_dir)
    if predictions is not None:
        checks.input_file(predictions, "--predictions")
    checks.number(temperature, "--temperature", minimum=0)
    for value, option in (
        (concurrency, "--concurrency"),
        (max_tokens, "--max-tokens"),
        (max_total_tokens, "--max-total-tokens"),
    ):
        checks.number(value, option, minimum=1)

    from rich.console import Console
    from rich.table import Table

    from agent_rl.cli.rollout import load_chat_format, progress_bar, quiet_libraries
    from agent_rl.evals.bfcl.report import write_report
    from agent_rl.evals.bfcl.run import grade_predictions, run_bfcl

    console = Console(stderr=True)
    names = [c for c in categories.split(",") if c.strip()]
    if predictions is not None:
        report = grade_predictions(predictions, names if categories != "runnable" else None)
    else:
        quiet_libraries()
        cf = load_chat_format(chat_format, policy)
        budget = max_tokens or (max_total_tokens if policy == "oracle" else 1024)
        with progress_bar(0, "bfcl") as bar:
            task = bar.add_task("bfcl", total=None, reward="-", visible=progress)
            done: list[float] = []

            def on_result(traj: Any) -> None:
                done.append(traj.reward)
                bar.update(task, advance=1, reward=f"{sum(done) / len(done):.3f}")

            report = run_bfcl(
                names,
                policy,
                chat_format=cf,
                limit=limit,
                concurrency=concurrency,
                max_tokens=budget,
                max_total_tokens=max_total_tokens,
                temperature=temperature,
                thinking=thinking,
                seed=seed,
                on_result=on_result,
            )
    with checks.atomic_output_dir(out_dir) as staging:
        written = write_report(report, staging)
    paths = {kind: out_dir / p.relative_to(staging) for kind, p in written.items()}
    table = Table(title=f"BFCL: {report.policy}")
    for col in ("category", "accuracy %", "correct/graded", "note"):
        table.add_column(col)
    for name, r in report.categories.items():
        acc = "N/A" if r.accuracy is None else f"{100 * r.accuracy:.2f}"
        note = r.reason or (f"{len(r.known_bad)} known-bad GT" if r.known_bad else "")
        table.add_row(name, acc, f"{r.correct}/{r.graded}", note)
    overall = report.summary()["overall"]
    mark = " (partial: categories not run count as 0)" if overall["partial"] else ""
    table.add_row("BFCL overall", f"{100 * overall['accuracy']:.2f}", "", mark)
    console.print(table)
    if report.rejected:
        console.print(f"[yellow]skipped {len(report.rejected)} record(s):[/yellow]")
        for line in report.rejected[:10]:
            console.print(f"  {line}")
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


def toolworld_command(
    policy: str = typer.Option("oracle", "--policy", help="oracle | tiny | PATH | http://..."),
    split: str = typer.Option("test", "--split", help="train | test | all"),
    k: int = typer.Option(4, "--k", help="Tries per task (pass^1..pass^k)."),
    n: int | None = typer.Option(None, "--n", help="First N tasks (default: all of the split)."),
    suites: str | None = typer.Option(None, "--suites", help="files,calendar,bank,shop"),
    user: str = typer.Option("scripted", "--user", help="scripted, or a policy spec."),
    chat_format: str = typer.Option("deepseek_v31", "--chat-format"),
    temperature: float = typer.Option(1.0, "--temperature"),
    max_tokens: int = typer.Option(512, "--max-tokens"),
    concurrency: int = typer.Option(32, "--concurrency"),
    out: Path | None = typer.Option(None, "--out", help="Write the metrics as JSON here."),
) -> None:
    """ToolWorld metrics: success, partial credit, calls per task, invalid-call rate, pass^k."""
    import json

    from agent_rl.cli import checks

    # Checked before the (long) run: a bad --out fails now, not after every episode.
    if out is not None:
        out = checks.output_file(out)
    for value, option in (
        (k, "--k"),
        (n, "--n"),
        (max_tokens, "--max-tokens"),
        (concurrency, "--concurrency"),
    ):
        checks.number(value, option, minimum=1)
    checks.number(temperature, "--temperature", minimum=0)

    from rich.console import Console

    from agent_rl.cli.rollout import load_chat_format, quiet_libraries
    from agent_rl.envs.function_call.metrics import toolworld_metrics, trajectory_episodes
    from agent_rl.envs.function_call.toolworld import ToolWorldEnv
    from agent_rl.rollout import RolloutEngine, RolloutLimits, SamplingParams, make_policy

    quiet_libraries()
    cf = load_chat_format(chat_format, policy)
    kwargs: dict[str, Any] = {"split": split, "suites": suites, "user": user}
    tasks = ToolWorldEnv(**kwargs).tasks[:n] if n else ToolWorldEnv(**kwargs).tasks
    budget = 8192 if policy == "oracle" else max_tokens
    engine = RolloutEngine(
        lambda: ToolWorldEnv(**kwargs),
        make_policy(policy, chat_format=cf),
        cf,
        RolloutLimits(max_turns=24, max_tokens_per_turn=budget, max_total_tokens=32768),
        sampling=SamplingParams(temperature=temperature),
        concurrency=concurrency,
    )
    trajectories = engine.run(tasks=[t.to_dict() for t in tasks], group_size=k)
    metrics = toolworld_metrics(trajectory_episodes(trajectories), ks=range(1, k + 1))
    metrics["failed"] = sum(t.failed for t in trajectories)
    metrics["tasks"] = len(tasks)
    text = json.dumps(metrics, indent=2)
    Console().print(text)
    if out is not None:
        with checks.atomic_output(out) as f:
            f.write(text + "\n")


def register(app: typer.Typer) -> None:
    """Add `agent-rl eval bfcl` and `agent-rl eval toolworld`."""
    eval_app.command("bfcl")(bfcl_command)
    eval_app.command("toolworld")(toolworld_command)
