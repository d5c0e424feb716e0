"""Counting what happened to every record, so a summary can prove nothing was lost.

`in = out + sum(rejected by reason)` holds for every file and for each pass; `Rejection`s are
written to a rejects JSONL with the source file and line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Rejection:
    """A record that was not output, with why and where it came from."""

    reason: str
    detail: str = ""
    file: str = ""
    line: int = 0
    format: str = ""
    id: str | None = None
    stage: str = "convert"

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "detail": self.detail,
            "file": self.file,
            "line": self.line,
            "format": self.format,
            "id": self.id,
            "stage": self.stage,
        }


def rejection_for(record: dict[str, Any], reason: str, detail: str, stage: str) -> Rejection:
    """A rejection of a canonical record, pointing at the record's original source line."""
    src = record.get("source") or {}
    return Rejection(
        reason=reason,
        detail=detail,
        file=str(src.get("file", "")),
        line=int(src.get("line", 0) or 0),
        format=str(src.get("format", "")),
        id=record.get("id"),
        stage=stage,
    )


@dataclass
class Counts:
    """In/out/rejected-by-reason counters of one file or one pass (plus free-form notes)."""

    name: str
    n_in: int = 0
    n_out: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)  # e.g. rewritten-by-pattern, generated
    n_added: int = 0  # records a pass creates (identity Q&A): in + added = out + rejected

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())

    def reconciles(self) -> bool:
        return self.n_in + self.n_added == self.n_out + self.n_rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": self.n_in,
            "added": self.n_added,
            "out": self.n_out,
            "rejected": dict(self.rejected.most_common()),
            "notes": dict(self.notes.most_common()),
            "reconciles": self.reconciles(),
        }


def short_names(names: list[str]) -> dict[str, str]:
    """Each path shortened to its file name, with as many parent folders as tell them apart."""
    parts = {n: Path(n).parts or (n,) for n in names}
    out: dict[str, str] = {}
    for n, p in parts.items():
        depth = 1
        while depth < len(p) and sum(q[-depth:] == p[-depth:] for q in parts.values()) > 1:
            depth += 1
        out[n] = "/".join(p[-depth:])
    return out


def render_table(title: str, rows: list[Counts], total: Counts | None = None,
                 formats: dict[str, str] | None = None) -> Any:
    """The counts as a person reads them (the CLI prints it; library code never prints).

    One narrow row per file or stage (short names, no reasons), then every reject reason in
    full with its count and where it happened, then the pass notes, then one line per row
    spelling out `in (+ added) = out + rejected`. Fits an 80-column terminal.
    """
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    names = short_names([c.name for c in rows])
    show_added = any(c.n_added for c in rows)
    main = Table(title=title, title_justify="left")
    main.add_column("file" if formats else "step", overflow="fold")
    if formats:
        main.add_column("format")
    for col in ("in", *(("added",) if show_added else ()), "out", "rejected"):
        main.add_column(col, justify="right")
    main.add_column("ok")
    for c in [*rows, *([total] if total is not None else [])]:
        label = "total" if c is total else names[c.name]
        cells = [label, *((formats.get(c.name, "") if c is not total else "",) if formats else ())]
        cells += [str(c.n_in), *((str(c.n_added),) if show_added else ()), str(c.n_out), str(c.n_rejected)]
        main.add_row(*cells, "yes" if c.reconciles() else "NO", end_section=c is rows[-1] and total is not None)
    parts: list[Any] = [main]
    reasons = Table(title="rejected, by reason", title_justify="left")
    reasons.add_column("reason", overflow="fold")
    reasons.add_column("count", justify="right")
    reasons.add_column("where", overflow="fold")
    by_reason: dict[str, list[tuple[str, int]]] = {}
    for c in rows:
        for reason, k in c.rejected.most_common():
            by_reason.setdefault(reason, []).append((names[c.name], k))
    for reason, where in sorted(by_reason.items(), key=lambda kv: -sum(k for _, k in kv[1])):
        reasons.add_row(reason, str(sum(k for _, k in where)), ", ".join(f"{n} {k}" for n, k in where))
    if by_reason:
        parts.append(reasons)
    notes = Table(title="notes (counted, not rejected)", title_justify="left")
    notes.add_column("step", overflow="fold")
    notes.add_column("note", overflow="fold")
    notes.add_column("count", justify="right")
    for c in rows:
        for note, k in c.notes.most_common():
            notes.add_row(names[c.name], note, str(k))
    if any(c.notes for c in rows):
        parts.append(notes)
    for c in [total] if total is not None else rows:
        label = "total" if c is total else names[c.name]
        added = f" + {c.n_added} added" if c.n_added else ""
        mark = "ok" if c.reconciles() else "DOES NOT RECONCILE"
        parts.append(Text(f"{label}: {c.n_in} in{added} = {c.n_out} out + {c.n_rejected} rejected  {mark}"))
    return Group(*parts)
