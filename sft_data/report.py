"""Counting what happened to every record, so a summary can prove nothing was lost.

`in = out + sum(rejected by reason)` holds for every file and for each pass; `Rejection`s are
written to a rejects JSONL with the source file and line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
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


def render_table(title: str, rows: list[Counts]) -> Any:
    """A rich table of counts (the CLI prints it; library code never prints)."""
    from rich.table import Table

    table = Table(title=title)
    for col in ("name", "in", "added", "out", "rejected", "by reason", "ok"):
        table.add_column(col, justify="right" if col in ("in", "added", "out", "rejected") else "left")
    for c in rows:
        reasons = ", ".join(f"{k}={v}" for k, v in c.rejected.most_common())
        if c.notes:
            reasons += ("; " if reasons else "") + ", ".join(f"{k}={v}" for k, v in c.notes.most_common(8))
        table.add_row(
            c.name, str(c.n_in), str(c.n_added), str(c.n_out), str(c.n_rejected), reasons,
            "yes" if c.reconciles() else "NO",
        )
    return table
