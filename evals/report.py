"""Report writers: report.json (machine), report.md (human), rewards.png (a histogram).

Every file is written to a temporary name beside its target and renamed when complete, so a
failed write never leaves a truncated report in place of an earlier one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from agent_rl.evals.evaluate import EvalReport


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _atomic(path: Path, write: object) -> Path:
    """Call `write(tmp_path)`, then rename the temp file onto `path` (0644 under umask 022)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))  # type: ignore[operator]
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_json(report: EvalReport, path: str | Path) -> Path:
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return _atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def markdown(report: EvalReport, plot: str | None = None) -> str:
    """The report as Markdown: headline numbers, terminations, the worst tasks."""
    lines = [
        f"# Evaluation: `{report.env_id}` with `{report.policy}`",
        "",
        f"{report.n_tasks} tasks x {report.samples_per_task} samples = {report.episodes} episodes "
        f"in {report.elapsed_s:.1f} s ({report.created}).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| mean reward | {_fmt(report.mean_reward)} (std {_fmt(report.std_reward)}) |",
        f"| success rate (reward >= {report.success_threshold:g}) | {_fmt(report.success_rate)} |",
    ]
    lines += [f"| {name} | {_fmt(value)} |" for name, value in report.pass_at_k.items()]
    lines += [
        f"| failed episodes (excluded) | {report.failed} |",
        f"| tasks with fewer than k samples (excluded from pass@k) | {report.tasks_short_of_k} |",
        f"| mean turns (failed excluded) | {_fmt(report.mean_turns, 2)} |",
        f"| episodes calling a tool | {_fmt(report.tool_use)} |",
        f"| mean policy tokens | {_fmt(report.mean_policy_tokens, 1)} |",
        "",
        "## Terminations",
        "",
        "| termination | episodes |",
        "|---|---|",
    ]
    lines += [f"| {name} | {count} |" for name, count in report.terminations.items()]
    if report.errors:
        lines += ["", "## Errors", ""]
        lines += [f"- `{e[:300]}`" for e in report.errors]
    worst = sorted(
        (t for t in report.tasks if t.mean_reward is not None), key=lambda t: t.mean_reward or 0.0
    )[:10]
    if worst:
        lines += ["", "## Lowest-scoring tasks", "", "| task | samples | correct | mean reward |"]
        lines += ["|---|---|---|---|"]
        lines += [
            f"| {t.task_id} | {t.samples} | {t.correct} | {_fmt(t.mean_reward)} |" for t in worst
        ]
    if plot:
        lines += ["", f"![reward histogram]({plot})"]
    if report.extra.get("markdown"):  # the env's own section (EvalReport.extra)
        lines += ["", str(report.extra["markdown"])]
    return "\n".join(lines) + "\n"


def write_markdown(report: EvalReport, path: str | Path, plot: str | None = None) -> Path:
    text = markdown(report, plot)
    return _atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def plot_rewards(report: EvalReport, path: str | Path) -> Path | None:
    """Histogram of episode rewards (matplotlib, Agg backend); None when there is nothing to plot."""
    if not report.rewards:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(report.rewards, bins=10, range=(0.0, max(1.0, max(report.rewards))), color="#4c72b0")
    ax.set_xlabel("episode reward")
    ax.set_ylabel("episodes")
    ax.set_title(f"{report.env_id}: {report.policy}")
    fig.tight_layout()
    try:
        return _atomic(Path(path), lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    finally:
        plt.close(fig)


def write_report(report: EvalReport, out_dir: str | Path, *, plot: bool = True) -> dict[str, Path]:
    """Write report.json, report.md and (when `plot`) rewards.png into `out_dir`."""
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    png = plot_rewards(report, out / "rewards.png") if plot else None
    if png is not None:
        paths["png"] = png
    paths["json"] = write_json(report, out / "report.json")
    paths["markdown"] = write_markdown(report, out / "report.md", plot=png.name if png else None)
    writer = report.extra.get("writer")
    if writer:  # the env's own files ("module:function", see EvalReport.extra)
        import importlib

        module, _, name = str(writer).partition(":")
        paths.update(getattr(importlib.import_module(module), name)(report, out))
    return paths
