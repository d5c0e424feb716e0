"""BFCL report files: report.json, report.md, accuracy.png, verdicts.jsonl, results.jsonl.

Categories that were not run appear in every file with their reason; aggregates that contain
one are marked partial (BFCL counts them as 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_rl.evals.bfcl.categories import ALL_SCORING
from agent_rl.evals.bfcl.run import BFCLReport


def _pct(x: float | None) -> str:
    return "N/A" if x is None else f"{100 * x:.2f}"


def markdown(report: BFCLReport, plot: str | None = None) -> str:
    lines = [
        f"# BFCL: `{report.policy}`",
        "",
        f"bfcl-eval {report.bfcl_eval_version} data, graded by agent-rl's checker; "
        f"{report.elapsed_s:.1f} s ({report.created}).",
        "",
        "| category | status | accuracy % | correct / graded | total | failed | "
        "known-bad GT | passable accuracy % | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c, r in report.categories.items():
        lines.append(
            f"| {c} | {r.status} | {_pct(r.accuracy)} | {r.correct} / {r.graded} | {r.total} | "
            f"{r.failed} | {len(r.known_bad)} | {_pct(r.passable_accuracy)} | {r.reason} |"
        )
    lines += [
        "",
        "## BFCL summary (its own formula)",
        "",
        "| aggregate | accuracy % | note |",
        "|---|---|---|",
    ]
    for name, value in report.summary().items():
        note = "partial: contains categories not run (counted as 0)" if value["partial"] else ""
        lines.append(f"| {name} | {_pct(value['accuracy'])} | {note} |")
    bad = [(c, i) for c, r in report.categories.items() for i in r.known_bad]
    if bad:
        lines += ["", "## Known-bad ground truth (bfcl-eval rejects its own reference answer)", ""]
        lines += [f"- `{i}` ({c})" for c, i in bad]
    errors = {c: r.error_types for c, r in report.categories.items() if r.error_types}
    if errors:
        lines += ["", "## Error types", "", "| category | error type | entries |", "|---|---|---|"]
        for c, counts in errors.items():
            for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]):
                lines.append(f"| {c} | {kind} | {n} |")
    if report.rejected:
        lines += ["", f"## Skipped ({len(report.rejected)})", ""]
        lines += [f"- {r}" for r in report.rejected[:200]]
        if len(report.rejected) > 200:
            lines.append(f"- ... {len(report.rejected) - 200} more in report.json")
    if plot:
        lines += ["", f"![accuracy per category]({plot})"]
    return "\n".join(lines) + "\n"


def plot(report: BFCLReport, path: Path) -> Path:
    """A bar chart of accuracy per category; not-run categories as hatched grey stubs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = [c for c in ALL_SCORING if c in report.categories] + [
        c for c in report.categories if c not in ALL_SCORING
    ]
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(cats) + 2), 4.5))
    for i, c in enumerate(cats):
        r = report.categories[c]
        if r.accuracy is None:
            ax.bar(i, 2, color="#dddddd", hatch="//", edgecolor="#999999")
            ax.text(i, 4, "N/A", ha="center", fontsize=7, rotation=90)
        else:
            ax.bar(i, 100 * r.accuracy, color="#4c72b0")
            ax.text(i, 100 * r.accuracy + 1, f"{100 * r.accuracy:.0f}", ha="center", fontsize=7)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels(cats, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("accuracy %")
    ax.set_title(f"BFCL per category: {report.policy}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def write_report(report: BFCLReport, out_dir: str | Path) -> dict[str, Path]:
    """Write every report file into `out_dir`; returns their paths by kind."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"png": plot(report, out / "accuracy.png")}
    paths["json"] = out / "report.json"
    paths["json"].write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    paths["md"] = out / "report.md"
    paths["md"].write_text(markdown(report, "accuracy.png"), encoding="utf-8")
    paths["verdicts"] = _jsonl(
        out / "verdicts.jsonl",
        [
            {"id": v["id"], "valid": v["valid"], "error_type": v["error_type"] or None}
            for v in report.verdicts
        ],
    )
    if report.answers:
        paths["results"] = _jsonl(out / "results.jsonl", report.answers)
    return paths
