"""`agent-rl rollout`: run a policy through an env and write trajectories as JSONL.

Trajectories are written as each episode finishes (a crash keeps what was done); a rich
progress bar shows the batch and a table sums it up (terminations, mean reward, tokens/s).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from agent_rl.errors import ConfigError


def parse_env_kwargs(pairs: list[str] | None, dataset: str | None = None) -> dict[str, Any]:
    """`key=value` pairs (values parsed as JSON when they are JSON); `--dataset` sets `source`."""
    kwargs: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"expected key=value, got {pair!r}", key="--env-kwarg")
        try:
            kwargs[key] = json.loads(raw)
        except json.JSONDecodeError:
            kwargs[key] = raw
    if dataset is not None:
        kwargs["source"] = dataset
    return kwargs


def quiet_libraries() -> None:
    """Keep transformers' per-load tqdm bars out of the CLI's own rich progress output."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def load_chat_format(name: str, policy: str) -> Any:
    """The chat format, on the tokenizer of the policy's model when it is a local directory."""
    from agent_rl.chat_format import get_chat_format, load_tokenizer

    path = policy.removeprefix("vllm:")
    if Path(path).is_dir():
        return get_chat_format(name, tokenizer=load_tokenizer(path))
    return get_chat_format(name)


def progress_bar(total: int, description: str) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("reward {task.fields[reward]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=False,
        disable=total == 0,
    )


def summary_table(summary: Any, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    mean = "n/a" if summary.mean_reward is None else f"{summary.mean_reward:.3f}"
    table.add_row("episodes", str(summary.episodes))
    table.add_row("mean reward (failed excluded)", mean)
    table.add_row("failed (infra/env/backend)", str(summary.failed))
    for name, count in summary.terminations.items():
        table.add_row(f"  {name}", str(count))
    table.add_row(
        "mean turns", "n/a" if summary.mean_turns is None else f"{summary.mean_turns:.2f}"
    )
    table.add_row("policy tokens", str(summary.policy_tokens))
    tps = "n/a" if summary.tokens_per_s is None else f"{summary.tokens_per_s:.1f}"
    table.add_row("policy tokens/s", tps)
    table.add_row("elapsed (s)", f"{summary.elapsed_s:.2f}")
    return table


DEFAULT_TURN_TOKENS = 512


def turn_budget(max_tokens: int | None, max_total_tokens: int, policy: str) -> int:
    """Tokens one generation may use: the option, else 512 for models.

    The oracle replays reference answers (a HumanEval solution can exceed 900 tokens); a
    per-turn budget meant for sampling models would cut them, so it gets the total budget.
    """
    if max_tokens is not None:
        return max_tokens
    return max_total_tokens if policy == "oracle" else DEFAULT_TURN_TOKENS


ENV_KWARG = typer.Option(
    [], "--env-kwarg", "-k", help="Env option key=value, JSON values parsed (repeatable)."
)


def rollout_command(
    env: str = typer.Option(..., "--env", help="Env id, e.g. agent_rl/Math-v0."),
    policy: str = typer.Option(
        "oracle", "--policy", help="oracle | tiny | PATH | http://host:port/v1[#model]"
    ),
    n: int = typer.Option(8, "--n", help="Number of tasks (seeds seed..seed+n-1)."),
    out: Path | None = typer.Option(
        None, "--out", help="JSONL output file (default: runs/rollout-<timestamp>.jsonl)."
    ),
    group_size: int = typer.Option(1, "--group-size", help="Samples per task (GRPO groups)."),
    thinking: bool = typer.Option(False, "--thinking", help="Thinking-mode prompts."),
    max_turns: int = typer.Option(8, "--max-turns"),
    max_tokens: int | None = typer.Option(
        None,
        "--max-tokens",
        help="Tokens per generation (default 512; the oracle is bound only by the total).",
    ),
    max_total_tokens: int = typer.Option(4096, "--max-total-tokens", help="Prompt + response."),
    temperature: float = typer.Option(1.0, "--temperature"),
    top_p: float = typer.Option(1.0, "--top-p"),
    concurrency: int = typer.Option(32, "--concurrency", help="Episodes in flight."),
    seed: int = typer.Option(0, "--seed", help="First env seed; also the sampling seed."),
    step_timeout: float = typer.Option(300.0, "--step-timeout", help="Seconds per step."),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Task source (env `source`): a file or reasoning_gym:NAME."
    ),
    env_kwarg: list[str] = ENV_KWARG,
    chat_format: str = typer.Option("deepseek_v31", "--chat-format"),
    validate: bool = typer.Option(False, "--validate", help="Check ids against re-encoding."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Roll out a policy in an env and write trajectories (JSONL).

    Arguments, the env and the output are checked before any episode runs; trajectories go
    to a temporary file renamed onto --out when the batch is complete (an interrupted run
    leaves `<out>.partial`, never a truncated --out).
    """
    from rich.console import Console

    from agent_rl.cli import checks
    from agent_rl.rollout import RolloutEngine, RolloutLimits, RolloutSummary, SamplingParams

    for value, option in ((n, "--n"), (group_size, "--group-size"), (max_turns, "--max-turns")):
        checks.number(value, option, minimum=1)
    checks.number(temperature, "--temperature", minimum=0)
    checks.number(top_p, "--top-p", above=0, maximum=1)
    checks.number(step_timeout, "--step-timeout", above=0)
    out = checks.output_file(out or default_output("rollout", ".jsonl"))
    limits = RolloutLimits(
        max_turns=max_turns,
        max_tokens_per_turn=turn_budget(max_tokens, max_total_tokens, policy),
        max_total_tokens=max_total_tokens,
        step_timeout_s=step_timeout,
    )
    from agent_rl.rollout import env_factory

    factory = env_factory(env, parse_env_kwargs(env_kwarg, dataset), probe=True)
    console = Console(stderr=True)
    quiet_libraries()
    policy_obj, cf = build_policy(policy_spec(policy), chat_format)
    engine = RolloutEngine(
        factory,
        policy_obj,
        cf,
        limits,
        sampling=SamplingParams(temperature=temperature, top_p=top_p, seed=seed),
        thinking=thinking,
        concurrency=concurrency,
        validate=validate,
    )
    total = n * group_size
    rewards: list[float] = []
    start = time.perf_counter()
    with checks.atomic_output(out) as f, progress_bar(total, "rollout") as bar:
        task = bar.add_task("rollout", total=total, reward="-", visible=progress)

        def on_result(traj: Any) -> None:
            f.write(json.dumps(traj.to_dict(), ensure_ascii=False) + "\n")
            if not traj.failed:
                rewards.append(traj.reward)
            mean = f"{sum(rewards) / len(rewards):.3f}" if rewards else "-"
            bar.update(task, advance=1, reward=mean)

        trajectories = engine.run(n=n, group_size=group_size, base_seed=seed, on_result=on_result)
    summary = RolloutSummary.of(trajectories, elapsed_s=time.perf_counter() - start)
    Console().print(summary_table(summary, f"{env} with {policy}"))
    for error in summary.errors[:5]:
        console.print(f"[red]error:[/red] {error}")
    typer.echo(f"wrote {len(trajectories)} trajectories to {out}")


def default_output(command: str, suffix: str = "") -> Path:
    """`runs/<command>-<UTC timestamp><suffix>`: outputs never land in the working folder."""
    from agent_rl.train.run import default_run_dir

    base = default_run_dir(command)
    return base.with_name(base.name + suffix)


def policy_spec(spec: str) -> str:
    """A `--policy` spec checked before any work: a run folder becomes its final model, and a
    missing or empty model folder is one clear error."""
    path = Path(spec.removeprefix("vllm:"))
    if "://" in spec or spec in ("oracle", "tiny"):
        return spec
    if path.is_dir() and not (path / "config.json").is_file():
        from agent_rl.train.run import resolve_model

        resolved = resolve_model(str(path))  # a run folder gives its final model
        return f"vllm:{resolved}" if spec.startswith("vllm:") else resolved
    return spec


def build_policy(spec: str, chat_format: str) -> tuple[Any, Any]:
    """(policy, chat format) for a checked `--policy` spec."""
    from agent_rl.rollout import make_policy

    cf = load_chat_format(chat_format, spec)
    return make_policy(spec, chat_format=cf), cf


def register(app: typer.Typer) -> None:
    """Add `agent-rl rollout` to the main app."""
    app.command("rollout")(rollout_command)
