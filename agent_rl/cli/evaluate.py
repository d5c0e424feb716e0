"""`agent-rl eval`: score a policy on an env (mean reward, pass@k) and write a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from agent_rl.cli.rollout import (
    ENV_KWARG,
    default_output,
    load_chat_format,
    parse_env_kwargs,
    policy_spec,
    progress_bar,
    quiet_libraries,
    turn_budget,
)

eval_app = typer.Typer(
    invoke_without_command=True,
    help="Evaluate a policy on an env (`eval --env ID`), or run a benchmark (`eval NAME`).",
)
"""`agent-rl eval`: with `--env` it evaluates on that env; benchmark sub-commands (BFCL,
SWE-bench, ...) add themselves with `eval_app.command(NAME)` from their own CLI module."""


@eval_app.callback()
def eval_command(
    ctx: typer.Context,
    env: str | None = typer.Option(None, "--env", help="Env id, e.g. agent_rl/Math-v0."),
    policy: str = typer.Option(
        "oracle", "--policy", help="oracle | tiny | PATH | http://host:port/v1[#model]"
    ),
    n: int = typer.Option(32, "--n", help="Number of different tasks (capped by the source)."),
    k: int = typer.Option(1, "--k", help="pass@k; each task is sampled max(k, --samples) times."),
    samples: int | None = typer.Option(None, "--samples", help="Samples per task (default k)."),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Task source (env `source`): a file or reasoning_gym:NAME."
    ),
    env_kwarg: list[str] = ENV_KWARG,
    out_dir: Path | None = typer.Option(
        None, "--out-dir", help="Where report.* go (default: runs/eval-<timestamp>)."
    ),
    thinking: bool = typer.Option(False, "--thinking"),
    max_turns: int = typer.Option(8, "--max-turns"),
    max_tokens: int | None = typer.Option(
        None,
        "--max-tokens",
        help="Tokens per generation (default 512; the oracle is bound only by the total).",
    ),
    max_total_tokens: int = typer.Option(4096, "--max-total-tokens"),
    temperature: float | None = typer.Option(
        None, "--temperature", help="Default: 0 for one sample per task, 1 for several."
    ),
    top_p: float = typer.Option(1.0, "--top-p"),
    concurrency: int = typer.Option(32, "--concurrency"),
    seed: int = typer.Option(0, "--seed"),
    step_timeout: float = typer.Option(300.0, "--step-timeout"),
    threshold: float = typer.Option(1.0, "--threshold", help="Reward that counts as solved."),
    chat_format: str = typer.Option("deepseek_v31", "--chat-format"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Evaluate a policy on an env: mean reward, pass@k, report.json and report.md."""
    if ctx.invoked_subcommand is not None:
        return
    if env is None:
        raise typer.BadParameter("give --env ID (or a benchmark sub-command)", param_hint="--env")
    from rich.console import Console
    from rich.table import Table

    from agent_rl.cli import checks
    from agent_rl.evals import evaluate, write_report
    from agent_rl.rollout import RolloutLimits, SamplingParams, env_factory

    # Everything that can be checked is checked before the (long) evaluation runs.
    for value, option in (
        (n, "--n"),
        (k, "--k"),
        (samples, "--samples"),
        (max_turns, "--max-turns"),
    ):
        checks.number(value, option, minimum=1)
    checks.number(temperature, "--temperature", minimum=0)
    checks.number(top_p, "--top-p", above=0, maximum=1)
    checks.number(step_timeout, "--step-timeout", above=0)
    checks.number(threshold, "--threshold")
    out_dir = checks.output_dir(out_dir or default_output("eval"))
    env_kwargs = parse_env_kwargs(env_kwarg, dataset)
    env_factory(env, env_kwargs, probe=True)
    policy = policy_spec(policy)
    limits = RolloutLimits(
        max_turns=max_turns,
        max_tokens_per_turn=turn_budget(max_tokens, max_total_tokens, policy),
        max_total_tokens=max_total_tokens,
        step_timeout_s=step_timeout,
    )
    console = Console(stderr=True)
    n_samples = max(k, samples or k)
    temp = temperature if temperature is not None else (1.0 if n_samples > 1 else 0.0)
    quiet_libraries()
    cf = load_chat_format(chat_format, policy)
    with progress_bar(n * n_samples, "eval") as bar:
        task = bar.add_task("eval", total=n * n_samples, reward="-", visible=progress)
        rewards: list[float] = []

        def on_result(traj: Any) -> None:
            if not traj.failed:
                rewards.append(traj.reward)
            mean = f"{sum(rewards) / len(rewards):.3f}" if rewards else "-"
            bar.update(task, advance=1, reward=mean)

        report = evaluate(
            env,
            policy,
            n_tasks=n,
            k=k,
            n_samples=n_samples,
            chat_format=cf,
            limits=limits,
            sampling=SamplingParams(temperature=temp, top_p=top_p, seed=seed),
            thinking=thinking,
            concurrency=concurrency,
            seed=seed,
            env_kwargs=env_kwargs,
            success_threshold=threshold,
            on_result=on_result,
        )
        # The env may hold fewer than --n tasks (each is evaluated once): settle the bar.
        bar.update(task, total=report.episodes, completed=report.episodes)
    paths = write_report(report, out_dir)
    table = Table(title=f"{env} with {policy}")
    table.add_column("metric")
    table.add_column("value", justify="right")

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    table.add_row("tasks x samples", f"{report.n_tasks} x {report.samples_per_task}")
    table.add_row("mean reward", fmt(report.mean_reward))
    for name, value in report.pass_at_k.items():
        table.add_row(name, fmt(value))
    table.add_row("failed (excluded)", str(report.failed))
    for name, count in report.terminations.items():
        table.add_row(f"  {name}", str(count))
    Console().print(table)
    for error in report.errors[:5]:
        console.print(f"[red]error:[/red] {error}")
    typer.echo("wrote " + ", ".join(str(p) for p in paths.values()))


def register(app: typer.Typer) -> None:
    """Add `agent-rl eval` (a group: `--env` evaluation plus benchmark sub-commands)."""
    app.add_typer(eval_app, name="eval")
