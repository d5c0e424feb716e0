"""Conversion of public function-calling files into canonical records, streaming.

Each input record ends up in exactly one place: the output (canonical and, optionally,
tokenized) or the rejects file with a reason, its source file and line. Per-file `Counts`
prove it (`in == out + rejected`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.sft_data.io import (
    BadJSON,
    JsonlWriter,
    ParquetWriter,
    check_outputs,
    iter_raw,
    open_writer,
)
from agent_rl.sft_data.readers import READERS, detect, detect_format, get_reader
from agent_rl.sft_data.report import Counts, Rejection
from agent_rl.sft_data.schema import normalize_record, validate_record

from agent_rl.messages import MessageError

log = logging.getLogger(__name__)

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
    detection: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> votes, misfits
    hints: dict[str, str] = field(default_factory=dict)  # file -> what would read a rejected file
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
            "detection": self.detection,
            "hints": self.hints,
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


def convert_one(reader: Any, raw: Any, ctx: ReadContext) -> dict[str, Any] | Rejection:
    """One raw record -> a valid canonical record or a `Rejection` (never raises)."""
    p, line, fmt = ctx.path, ctx.line, ctx.format
    if isinstance(raw, BadJSON):
        return Rejection("invalid_json", raw.error, str(p), line, fmt)
    if not isinstance(raw, dict):
        return Rejection("not_an_object", type(raw).__name__, str(p), line, fmt)
    try:
        rec = _finish(reader.convert(raw, ctx), p, line, fmt)
        if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in rec["messages"]):
            return Rejection("no_assistant_turn", "", str(p), line, fmt, rec["id"])
        problems = validate_record(rec)
    except MessageError as exc:  # RecordError and schema errors alike
        return Rejection(exc.reason, exc.detail, str(p), line, fmt, _raw_id(raw))
    except RecursionError:
        return Rejection("reader_error", "record nested too deeply to read", str(p), line, fmt,
                         _raw_id(raw))
    except Exception as exc:  # reader bugs on odd records never kill a million-record job
        return Rejection("reader_error", f"{type(exc).__name__}: {exc}"[:300], str(p), line, fmt,
                         _raw_id(raw))
    if problems:
        return Rejection("invalid_record", "; ".join(problems[:3]), str(p), line, fmt, rec["id"])
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
        ctx.line = line
        item = convert_one(reader, raw, ctx)
        if isinstance(item, Rejection):
            c.rejected[item.reason] += 1
        else:
            c.n_out += 1
        yield item


def suggest_format(path: Path, fmt: str, sample: int = 20) -> list[tuple[str, int, int]]:
    """Other formats that read the first `sample` records of `path`: (format, read, tried)."""
    raws = [(line, r) for line, r in itertools.islice(iter_raw(path), sample) if isinstance(r, dict)]
    out = []
    for other, reader in READERS.items():
        if other == fmt or not raws:
            continue
        try:
            state = reader.open_file(path) if hasattr(reader, "open_file") else None
        except Exception:
            continue
        ok = 0
        for line, raw in raws:
            if not isinstance(convert_one(reader, raw, ReadContext(path, line, other, state)), Rejection):
                ok += 1
        if ok:
            out.append((other, ok, len(raws)))
    return sorted(out, key=lambda t: -t[1])


def rejected_whole_hint(path: Path, fmt: str, counts: Counts) -> str | None:
    """When every record of a file was rejected for one reason: which format would read it."""
    if counts.n_in == 0 or counts.n_out or len(counts.rejected) != 1:
        return None
    (reason,) = counts.rejected
    head = f"all {counts.n_in} records were rejected as {reason} when read as {fmt}"
    others = suggest_format(path, fmt)
    if not others:
        return head + "; no other format reads them either"
    best, ok, tried = others[0]
    return f"{head}; {best} reads {ok} of {tried} sampled records (try --from {best})"


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
    check_outputs(paths, {"--out": out, "--tokenized": tokenized, "--rejects": rejects})
    # Detect every file's format before writing anything: a file that is not a record file
    # fails the run at once, not after the files before it were converted.
    detections = {p: detect(p) for p in paths} if fmt == "auto" else {}
    file_formats = {
        p: detections[p].format if fmt == "auto" else get_reader(fmt).FORMAT for p in paths
    }
    writers: list[JsonlWriter | ParquetWriter] = []
    try:
        writer = open_writer(out) if out is not None else None
        writers += [writer] if writer else []
        tok_writer = JsonlWriter(tokenized) if tokenized is not None else None
        writers += [tok_writer] if tok_writer else []
        rej_writer = JsonlWriter(rejects) if rejects is not None else None
        writers += [rej_writer] if rej_writer else []

        def reject(counts: Counts, item: dict[str, Any], reason: str, detail: str) -> None:
            counts.n_out -= 1
            counts.rejected[reason] += 1
            if rej_writer is not None:
                src = item["source"]
                rej_writer.write(
                    Rejection(reason, detail[:300], src["file"], src["line"], src["format"],
                              item["id"]).to_dict()
                )

        seen = 0
        for p in paths:
            file_fmt = file_formats[p]
            summary.formats[str(p)] = file_fmt
            summary.detected[str(p)] = fmt == "auto"
            if fmt == "auto":
                summary.detection[str(p)] = detections[p].to_dict()
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
                sample = None
                if tok_writer is not None and encoder is not None:
                    try:
                        sample = encoder(item)
                    except Exception as exc:  # the chat format names the bad key
                        reject(counts, item, "encode_error", str(exc))
                        continue
                if writer is not None:
                    try:
                        writer.write(item)
                    except (ValueError, RecursionError) as exc:  # NaN in meta, absurd nesting
                        reject(counts, item, "unwritable_record", f"{type(exc).__name__}: {exc}")
                        continue
                if sample is not None and tok_writer is not None:
                    tok_writer.write(sample)
                    summary.tokenized += 1
            hint = rejected_whole_hint(p, file_fmt, counts)
            if hint:
                summary.hints[str(p)] = hint
                log.warning("%s: %s", p, hint)
    except BaseException:
        for w in writers:
            w.abort()  # the previous outputs, if any, stay whole
        raise
    for w in writers:
        w.close()
    return summary
