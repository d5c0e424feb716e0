"""Session metrics for `agent-rl eval --env agent_rl/SearchSession-v0`.

`session_report(trajectories)` reads the per-turn results the env puts in every step's
`info["session"]` (the rollout keeps the last step's info) and computes:

- accuracy by turn position and by tag: the share of turns answered correctly *and*
  grounded (turn reward 1; token F1 below 1 or unseen evidence is not accurate), plus the
  mean turn reward; turns a session never reached (truncated) count as wrong;
- evidence recall: the share of answerable turns' gold documents the agent had seen when it
  answered;
- searches per answer against the minimum needed (the session file's `min_searches`);
- citation precision: the share of cited doc ids that are gold evidence of their turn;
- the transcripts of the worst sessions (Markdown) and a plot of accuracy by turn position.

Episodes that failed on infrastructure are left out, as everywhere in the evals.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

WRITER = "agent_rl.envs.search.report:write_files"
"""The hook `agent_rl.evals.report.write_report` calls to write this env's extra files."""


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _turn_rows(session: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per turn of the session: the answered result, or a zero for a turn not reached."""
    answered = {r["index"]: r for r in session.get("turns", [])}
    rows = []
    for i, tag in enumerate(session.get("tags", [])):
        row = answered.get(i)
        if row is None:
            row = {"index": i, "tag": tag, "reward": 0.0, "reached": False}
        rows.append(row)
    return rows


def _bucket(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "turns": len(rows),
        "accuracy": _mean([float(r["reward"] >= 1.0 - 1e-9) for r in rows]),
        "mean_reward": _mean([float(r["reward"]) for r in rows]),
    }


def session_report(trajectories: Sequence[Any], *, worst: int = 5) -> dict[str, Any]:
    """The session metrics (JSON-ready), a Markdown section and the worst transcripts."""
    sessions = []
    for traj in trajectories:
        if getattr(traj, "failed", False):
            continue
        session = ((getattr(traj, "info", None) or {}).get("env") or {}).get("session")
        if session:
            sessions.append((traj, session))
    rows = [(s, r) for _, s in sessions for r in _turn_rows(s)]
    by_pos: dict[int, list] = defaultdict(list)
    by_tag: dict[str, list] = defaultdict(list)
    for _, r in rows:
        by_pos[r["index"] + 1].append(r)
        by_tag[r["tag"]].append(r)
    answered = [r for _, r in rows if r.get("reached", True)]
    answerable = [r for r in answered if r["tag"] != "unanswerable"]
    cited = [(c, r) for r in answered for c in r.get("citations", [])]
    searches = sum(r.get("searches", 0) for r in answered)
    minimum = sum(r.get("min_searches", 0) for r in answered)
    metrics: dict[str, Any] = {
        "sessions": len(sessions),
        "mean_session_score": _mean([float(s["score"]) for _, s in sessions]),
        "turns": len(rows),
        "turns_answered": len(answered),
        "accuracy": _bucket([r for _, r in rows])["accuracy"],
        "accuracy_by_position": {str(p): _bucket(by_pos[p]) for p in sorted(by_pos)},
        "accuracy_by_tag": {t: _bucket(by_tag[t]) for t in sorted(by_tag)},
        "evidence_recall": _mean([float(r["evidence_recall"]) for r in answerable]),
        "searches_per_answer": searches / len(answered) if answered else None,
        "min_searches_per_answer": minimum / len(answered) if answered else None,
        "searches_vs_minimum": searches / minimum if minimum else None,
        "citation_precision": (
            sum(c in r.get("evidence_docs", []) for c, r in cited) / len(cited) if cited else None
        ),
        "answers_citing": _mean([float(bool(r.get("citations"))) for r in answerable]),
    }
    ranked = sorted(sessions, key=lambda ts: (ts[1]["score"], ts[1]["id"]))[:worst]
    return {
        "search_sessions": metrics,
        "markdown": markdown_section(metrics),
        "worst_sessions_markdown": transcripts(ranked),
        "writer": WRITER,
    }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def markdown_section(m: dict[str, Any]) -> str:
    """The session metrics as a Markdown section of report.md."""
    lines = [
        "## Search sessions",
        "",
        f"{m['sessions']} sessions, {m['turns']} turns ({m['turns_answered']} answered); "
        f"mean session score {_fmt(m['mean_session_score'])}, turn accuracy {_fmt(m['accuracy'])}.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| evidence recall | {_fmt(m['evidence_recall'])} |",
        f"| searches per answer | {_fmt(m['searches_per_answer'])} |",
        f"| minimum searches per answer | {_fmt(m['min_searches_per_answer'])} |",
        f"| searches / minimum | {_fmt(m['searches_vs_minimum'])} |",
        f"| citation precision | {_fmt(m['citation_precision'])} |",
        f"| answers that cite a doc | {_fmt(m['answers_citing'])} |",
        "",
        "| turn position | turns | accuracy | mean reward |",
        "|---|---|---|---|",
    ]
    for pos, b in m["accuracy_by_position"].items():
        lines.append(f"| {pos} | {b['turns']} | {_fmt(b['accuracy'])} | {_fmt(b['mean_reward'])} |")
    lines += ["", "| tag | turns | accuracy | mean reward |", "|---|---|---|---|"]
    for tag, b in m["accuracy_by_tag"].items():
        lines.append(f"| {tag} | {b['turns']} | {_fmt(b['accuracy'])} | {_fmt(b['mean_reward'])} |")
    lines += [
        "",
        "![accuracy by turn position](accuracy_by_turn.png)",
        "",
        "Worst sessions: `sessions.md`.",
    ]
    return "\n".join(lines)


def _clip(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def transcripts(ranked: Sequence[tuple[Any, dict[str, Any]]]) -> str:
    """Markdown transcripts of sessions: every message, tool calls and per-turn scores."""
    out = ["# Worst sessions", ""]
    for traj, session in ranked:
        out += [
            f"## {session['id']} (score {session['score']:.3f}, {session.get('lang', 'en')})",
            "",
        ]
        for m in getattr(traj, "messages", []) or []:
            role = m.get("role")
            if role == "system":
                continue
            if m.get("tool_calls"):
                for c in m["tool_calls"]:
                    f = c.get("function") or {}
                    out.append(
                        f"- **assistant** calls `{f.get('name')}({_clip(f.get('arguments', ''), 200)})`"
                    )
            if m.get("content"):
                out.append(f"- **{role}**: {_clip(m['content'])}")
        out += ["", "| turn | tag | answer | gold | reward | correct | grounded | searches (min) |"]
        out += ["|---|---|---|---|---|---|---|---|"]
        for r in _turn_rows(session):
            if not r.get("reached", True):
                out.append(f"| {r['index'] + 1} | {r['tag']} | (not reached) | | 0 | | | |")
                continue
            gold = " / ".join(r.get("gold") or ["(abstain)"])
            out.append(
                f"| {r['index'] + 1} | {r['tag']} | {_clip(r['answer'], 80)} | {_clip(gold, 80)} | "
                f"{r['reward']:.2f} | {r['correct']:.2f} | {r['grounded']:.2f} | "
                f"{r['searches']} ({r['min_searches']}) |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def plot_accuracy_by_position(metrics: dict[str, Any], path: str | Path) -> Path | None:
    """Bar chart of accuracy (and mean reward) by turn position; None when nothing to plot."""
    by_pos = metrics.get("accuracy_by_position") or {}
    if not by_pos:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    positions = [int(p) for p in by_pos]
    acc = [by_pos[str(p)]["accuracy"] or 0.0 for p in positions]
    mean = [by_pos[str(p)]["mean_reward"] or 0.0 for p in positions]
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar([p - 0.2 for p in positions], acc, width=0.4, label="accuracy", color="#4c72b0")
    ax.bar([p + 0.2 for p in positions], mean, width=0.4, label="mean turn reward", color="#dd8452")
    ax.set_xticks(positions)
    ax.set_xlabel("turn position")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("accuracy by turn position")
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=100)
    plt.close(fig)
    return p


def write_files(report: Any, out_dir: str | Path) -> dict[str, Path]:
    """Write sessions.md (worst transcripts), search_sessions.json and accuracy_by_turn.png."""
    extra = getattr(report, "extra", None) or {}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    metrics = extra.get("search_sessions") or {}
    sessions_md = out / "sessions.md"
    sessions_md.write_text(extra.get("worst_sessions_markdown", ""), encoding="utf-8")
    paths["sessions"] = sessions_md
    metrics_json = out / "search_sessions.json"
    metrics_json.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    paths["search_sessions"] = metrics_json
    png = plot_accuracy_by_position(metrics, out / "accuracy_by_turn.png")
    if png is not None:
        paths["accuracy_by_turn"] = png
    return paths
