"""Conversion of public function-calling files into canonical records, streaming.

Each input record ends up in exactly one place: the output (canonical and, optionally,
tokenized) or the rejects file with a reason, its source file and line. Per-file `Counts`
prove it (`in == out + rejected`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.sft_data.io import BadJSON, JsonlWriter, iter_raw, open_writer
from agent_rl.sft_data.readers import detect_format, get_reader
from agent_rl.sft_data.report import Counts, Rejection
from agent_rl.sft_data.schema import normalize_record, validate_record

from agent_rl.messages import MessageError

log = logging.getLogger(__name__)

# Reader bugs on odd records must not kill a million-record job: they become rejects.
_READER_FAULTS = (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError)


@dataclass
class ReadContext:
    """What a reader may know about the record it converts."""

    path: Path
    line: int
    format: str
    state: Any = None


@dataclass
class ConvertSummary:
    """Per-file counts plus where each file's format came from."""

    files: list[Counts] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format
    detected: dict[str, bool] = field(default_factory=dict)  # file -> was auto-detected
    tokenized: int = 0

    @property
    def total(self) -> Counts:
        total = Counts("total")
        for c in self.files:
            total.n_in += c.n_in
            total.n_out += c.n_out
            total.rejected.update(c.rejected)
        return total

    def reconciles(self) -> bool:
        return all(c.reconciles() for c in self.files) and self.total.reconciles()

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [
                {**c.to_dict(), "format": self.formats.get(c.name), "detected": self.detected.get(c.name)}
                for c in self.files
            ],
            "total": self.total.to_dict(),
            "tokenized": self.tokenized,
        }


def _finish(rec: dict[str, Any], path: Path, line: int, fmt: str) -> dict[str, Any]:
    rid = rec.get("id")
    rec["id"] = str(rid) if rid not in (None, "") else f"{path.stem}:{line}"
    rec["source"] = {"file": str(path), "line": line, "format": fmt}
    rec.setdefault("tools", [])
    normalize_record(rec)
    if not isinstance(rec.get("meta"), dict):
        rec["meta"] = {}
    return rec


def iter_file(
    path: str | Path, fmt: str = "auto", counts: Counts | None = None
) -> Iterator[dict[str, Any] | Rejection]:
    """Canonical records or `Rejection`s, one per input record of `path`, in file order."""
    p = Path(path)
    if fmt == "auto":
        fmt = detect_format(p)
    reader = get_reader(fmt)
    state = reader.open_file(p) if hasattr(reader, "open_file") else None
    ctx = ReadContext(p, 0, fmt, state)
    c = counts if counts is not None else Counts(str(p))
    for line, raw in iter_raw(p):
        c.n_in += 1
        rej: Rejection | None = None
        if isinstance(raw, BadJSON):
            rej = Rejection("invalid_json", raw.error, str(p), line, fmt)
        elif not isinstance(raw, dict):
            rej = Rejection("not_an_object", type(raw).__name__, str(p), line, fmt)
        else:
            ctx.line = line
            try:
                rec = _finish(reader.convert(raw, ctx), p, line, fmt)
            except MessageError as exc:  # RecordError and schema errors alike
                rej = Rejection(exc.reason, exc.detail, str(p), line, fmt, _raw_id(raw))
            except _READER_FAULTS as exc:
                rej = Rejection("reader_error", f"{type(exc).__name__}: {exc}"[:300], str(p), line, fmt, _raw_id(raw))
            else:
                if not any(m.get("role") == "assistant" for m in rec["messages"]):
                    rej = Rejection("no_assistant_turn", "", str(p), line, fmt, rec["id"])
                else:
                    problems = validate_record(rec)
                    if problems:
                        rej = Rejection("invalid_record", "; ".join(problems[:3]), str(p), line, fmt, rec["id"])
                    else:
                        c.n_out += 1
                        yield rec
                        continue
        c.rejected[rej.reason] += 1
        yield rej


def _raw_id(raw: dict[str, Any]) -> str | None:
    rid = raw.get("id")
    return None if rid is None else str(rid)


Encoder = Callable[[dict[str, Any]], dict[str, Any]]


def convert_files(
    paths: Iterable[str | Path],
    fmt: str = "auto",
    out: str | Path | None = None,
    tokenized: str | Path | None = None,
    rejects: str | Path | None = None,
    encoder: Encoder | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ConvertSummary:
    """Convert `paths` to canonical records in `out` (JSONL or parquet by extension).

    `tokenized` (JSONL) gets `encoder(record)` for each record (see `agent_rl.sft_data.encode`); a
    record the encoder cannot handle is rejected from both outputs (reason `encode_error`).
    """
    if tokenized is not None and encoder is None:
        from agent_rl.sft_data.encode import make_encoder

        encoder = make_encoder()
    summary = ConvertSummary()
    paths = [Path(p) for p in paths]
    # Detect every file's format before writing anything: a file that is not a record file
    # fails the run at once, not after the files before it were converted.
    file_formats = {p: detect_format(p) if fmt == "auto" else get_reader(fmt).FORMAT for p in paths}
    writer = open_writer(out) if out is not None else None
    tok_writer = JsonlWriter(tokenized) if tokenized is not None else None
    rej_writer = JsonlWriter(rejects) if rejects is not None else None
    seen = 0
    try:
        for p in paths:
            file_fmt = file_formats[p]
            summary.formats[str(p)] = file_fmt
            summary.detected[str(p)] = fmt == "auto"
            if fmt == "auto":
                log.info("%s: detected format %s", p, file_fmt)
            counts = Counts(str(p))
            summary.files.append(counts)
            for item in iter_file(p, file_fmt, counts):
                seen += 1
                if on_progress is not None and seen % 10000 == 0:
                    on_progress(seen)
                if isinstance(item, Rejection):
                    if rej_writer is not None:
                        rej_writer.write(item.to_dict())
                    continue
                if tok_writer is not None and encoder is not None:
                    try:
                        sample = encoder(item)
                    except Exception as exc:  # the chat format names the bad key
                        counts.n_out -= 1
                        counts.rejected["encode_error"] += 1
                        if rej_writer is not None:
                            src = item["source"]
                            rej_writer.write(
                                Rejection("encode_error", str(exc)[:300], src["file"], src["line"],
                                          src["format"], item["id"]).to_dict()
                            )
                        continue
                    tok_writer.write(sample)
                    summary.tokenized += 1
                if writer is not None:
                    writer.write(item)
    finally:
        for w in (writer, tok_writer, rej_writer):
            if w is not None:
                w.close()
    return summary
