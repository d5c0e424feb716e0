"""Streaming input and output of records: JSONL, JSON arrays, parquet (optionally gzipped text).

Every reader yields `(line, value)` pairs, where `line` is the 1-based line on which the record
starts (for parquet: the 1-based row number), so a reject can point at its source. Memory stays
flat: JSON arrays are decoded one element at a time, parquet one batch at a time.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from agent_rl.errors import ConfigError, DataError


@dataclass(frozen=True)
class BadJSON:
    """A line or element that is not valid JSON; kept so the caller can reject it by line."""

    error: str
    text: str


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open("r", encoding="utf-8")


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # type: ignore[return-value]


def _first_char(path: Path) -> str:
    with _open_bytes(path) as fh:
        while True:
            chunk = fh.read(4096)
            if not chunk:
                return ""
            stripped = chunk.decode("utf-8", "ignore").lstrip().lstrip("\ufeff").lstrip()
            if stripped:
                return stripped[0]


def parse_line(raw: bytes) -> Any:
    """One JSONL line -> its value, or `BadJSON` saying why (never raises: one bad line is one
    rejected record, whatever is wrong with it)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadJSON(f"not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
                       raw[:200].decode("utf-8", "replace"))
    try:
        return json.loads(line)
    except RecursionError:
        return BadJSON("JSON nested too deeply to read", line[:200])
    except Exception as exc:  # ValueError, MemoryError on absurd numbers, ...
        return BadJSON(f"{type(exc).__name__}: {exc}"[:300], line[:200])


def _iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with _open_bytes(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield lineno, parse_line(raw)


_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_STRUCTURE = re.compile(r'["\\\[\]{},]')


def _value_end(buf: str, pos: int) -> int:
    """End of the JSON value starting at `pos` by bracket and string matching alone (for a value
    `raw_decode` refuses), or -1 when the buffer ends first."""
    depth, in_str, i = 0, False, pos
    while True:
        m = _STRUCTURE.search(buf, i)
        if m is None:
            return -1
        i, c = m.start(), m.group()
        if in_str:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_str = False
                if depth == 0:
                    return i + 1
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            if depth == 0:
                return i
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "," and depth == 0:
            return i
        i += 1


def _iter_json_array(path: Path, chunk_size: int = 1 << 20) -> Iterator[tuple[int, Any]]:
    """Decode a top-level JSON array element by element with `raw_decode` over a sliding buffer.

    A broken, too deeply nested or non-UTF-8 element is yielded as `BadJSON` with its line."""
    decoder = json.JSONDecoder()
    with (
        _open_bytes(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape") as fh,
    ):
        buf = fh.read(chunk_size).lstrip("\ufeff")
        line = 1
        pos = 0
        eof = False

        def skip(chars: str) -> None:
            nonlocal pos, line
            n = len(buf)
            while pos < n and buf[pos] in chars:
                if buf[pos] == "\n":
                    line += 1
                pos += 1

        skip(" \t\r\n")
        if pos >= len(buf) or buf[pos] != "[":
            raise DataError("expected a JSON array", path=str(path), line=line)
        pos += 1
        while True:
            skip(" \t\r\n,")
            if pos >= len(buf) - 1 and not eof:  # refill before deciding anything
                more = fh.read(chunk_size)
                eof = not more
                buf = buf[pos:] + more
                pos = 0
                continue
            if pos < len(buf) and buf[pos] == "]":
                return
            if pos >= len(buf):
                raise DataError("unterminated JSON array", path=str(path), line=line)
            bad = None
            try:
                value, end = decoder.raw_decode(buf, pos)
            except (json.JSONDecodeError, RecursionError) as exc:
                # Complete but broken (or too deep): skip just this element; incomplete: refill.
                end = _value_end(buf, pos)
                if end < 0:
                    if not eof:  # the element may continue in the next chunk
                        more = fh.read(chunk_size)
                        eof = not more
                        buf = buf[pos:] + more
                        pos = 0
                        continue
                    raise DataError("unterminated JSON element", path=str(path), line=line) from None
                bad = "JSON nested too deeply to read" if isinstance(exc, RecursionError) else exc.msg
            if bad is None and _SURROGATE.search(buf, pos, end):
                bad = "not UTF-8 text"
            start_line = line
            line += buf.count("\n", pos, end)
            if bad is not None:
                value = BadJSON(bad, buf[pos : min(end, pos + 200)].encode("utf-8", "replace").decode())
            pos = end
            yield start_line, value
            if pos > chunk_size:  # drop consumed text so the buffer stays bounded
                buf = buf[pos:]
                pos = 0


def _iter_parquet(path: Path, batch_size: int = 1024) -> Iterator[tuple[int, Any]]:
    import pyarrow.parquet as pq

    row = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        for rec in batch.to_pylist():
            row += 1
            yield row, rec


def iter_raw(path: str | Path) -> Iterator[tuple[int, Any]]:
    """Yield `(line, record)` from a JSONL, JSON-array, or parquet file (`.gz` text allowed).

    A `.json` file that starts with `{` is read as JSONL (BFCL ships JSONL named `.json`).
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", path=str(p))
    line = 0
    try:
        if p.suffix == ".parquet":
            inner = _iter_parquet(p)
        elif _first_char(p) == "[":
            inner = _iter_json_array(p)
        else:
            inner = _iter_jsonl(p)
        for line, value in inner:
            yield line, value
    except DataError:
        raise
    except (OSError, EOFError, zlib.error) as exc:  # not gzip, truncated gzip, unreadable
        raise DataError(_unreadable(p, exc, line), path=str(p)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("pyarrow"):  # not parquet, corrupt footer or pages
            raise DataError(_unreadable(p, exc, line), path=str(p)) from None
        raise


def _unreadable(path: Path, exc: BaseException, line: int) -> str:
    after = f" after record {line}" if line else ""
    what = {".gz": "gzip ", ".parquet": "parquet "}.get(path.suffix, "")
    return f"cannot read this {what}file{after}: {type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------------- writing
def _parquet_schema() -> Any:
    import pyarrow as pa

    call = pa.struct(
        [
            ("id", pa.string()),
            ("type", pa.string()),
            ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())])),
        ]
    )
    message = pa.struct(
        [
            ("role", pa.string()),
            ("content", pa.string()),
            ("reasoning_content", pa.string()),
            ("tool_calls", pa.list_(call)),
            ("tool_call_id", pa.string()),
            ("name", pa.string()),
            ("weight", pa.int8()),
        ]
    )
    return pa.schema(
        [
            ("id", pa.string()),
            ("messages", pa.list_(message)),
            ("tools", pa.string()),
            ("enable_thinking", pa.bool_()),
            ("source", pa.string()),
            ("meta", pa.string()),
        ]
    )


def record_to_row(record: dict[str, Any]) -> dict[str, Any]:
    """Canonical record -> parquet row. Tools, source and meta are JSON strings because tool
    parameter schemas have no fixed Arrow type; messages keep a fixed nested type (verl's
    multi-turn SFT dataset reads the `messages` column as a list of dicts)."""
    return {
        "id": record["id"],
        "messages": record["messages"],
        "tools": json.dumps(record.get("tools", []), ensure_ascii=False, allow_nan=False),
        "enable_thinking": bool(record.get("meta", {}).get("thinking", False)),
        "source": json.dumps(record.get("source", {}), ensure_ascii=False, allow_nan=False),
        "meta": json.dumps(record.get("meta", {}), ensure_ascii=False, allow_nan=False),
    }


def row_to_record(row: dict[str, Any]) -> dict[str, Any]:
    """Parquet row written by `record_to_row` -> canonical record (null fields dropped)."""
    messages = []
    for m in row.get("messages") or []:
        msg = {k: v for k, v in m.items() if v is not None}
        msg.setdefault("content", "")
        messages.append(msg)
    out = dict(row)
    out["messages"] = messages
    for key in ("tools", "source", "meta"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    out.pop("enable_thinking", None)
    return out


def check_outputs(inputs: Iterable[str | Path], outputs: dict[str, str | Path | None]) -> None:
    """Refuse, before anything is written, an output that is one of the inputs (same path,
    symlink or hard link) or two outputs that are the same file. `outputs`: option -> path."""
    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
        except OSError:
            return False

    ins = [Path(p) for p in inputs]
    outs = [(k, Path(v)) for k, v in outputs.items() if v is not None]
    for key, out in outs:
        for inp in ins:
            if same(out, inp):
                raise ConfigError(
                    f"output {out} is also an input ({inp}); writing it would destroy the input "
                    "before it is read: choose another output path",
                    key=key,
                )
    for i, (key, out) in enumerate(outs):
        for key2, out2 in outs[i + 1 :]:
            if same(out, out2):
                raise ConfigError(f"{key} and {key2} are the same file ({out})", key=key2)


class _AtomicOutput:
    """An output written to a temp file beside its target and renamed into place by `close()`.

    Until then the target is untouched (a previous output survives a failed job); `abort()`
    drops the temp file. Used as a context manager it aborts on any exception.
    """

    path: Path
    tmp: Path

    def _start(self, path: str | Path) -> Path:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A fresh name beside the target (same file system for the rename); created with the
        # usual permissions, unlike mkstemp's 0600.
        self.tmp = self.path.parent / f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        self.tmp.touch(exist_ok=False)
        self._done = False
        return self.tmp

    def _close_file(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._done:
            return
        self._done = True
        try:
            self._close_file()
            os.replace(self.tmp, self.path)
        finally:
            self.tmp.unlink(missing_ok=True)

    def abort(self) -> None:
        """Drop what was written; the target keeps its previous content (if any)."""
        if self._done:
            return
        self._done = True
        try:
            self._close_file()
        except Exception:
            pass
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> _AtomicOutput:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class JsonlWriter(_AtomicOutput):
    """JSONL writer (gzip when the name ends in `.gz`), atomic: see `_AtomicOutput`."""

    def __init__(self, path: str | Path) -> None:
        tmp = self._start(path)
        if self.path.suffix == ".gz":
            self._fh: IO[str] = io.TextIOWrapper(gzip.open(tmp, "wb"), encoding="utf-8")  # noqa: SIM115 - closed by close()
        else:
            self._fh = tmp.open("w", encoding="utf-8")
        self.count = 0

    def write(self, obj: dict[str, Any]) -> None:
        line = json.dumps(obj, ensure_ascii=False, allow_nan=False)  # raises before writing
        self._fh.write(line)
        self._fh.write("\n")
        self.count += 1

    def _close_file(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlWriter:
        return self


class ParquetWriter(_AtomicOutput):
    """Canonical records to parquet in row groups of `batch_size` (flat memory), atomic."""

    def __init__(self, path: str | Path, batch_size: int = 2048) -> None:
        import pyarrow.parquet as pq

        tmp = self._start(path)
        self._schema = _parquet_schema()
        self._writer = pq.ParquetWriter(tmp, self._schema)
        self._rows: list[dict[str, Any]] = []
        self._batch = batch_size
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        self._rows.append(record_to_row(record))
        self.count += 1
        if len(self._rows) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def _close_file(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()

    def __enter__(self) -> ParquetWriter:
        return self


def open_writer(path: str | Path) -> JsonlWriter | ParquetWriter:
    """Writer chosen by extension: `.parquet` -> parquet, anything else -> JSONL."""
    return ParquetWriter(path) if Path(path).suffix == ".parquet" else JsonlWriter(path)


def iter_records(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Canonical records back from a file written by this package (JSONL or parquet)."""
    p = Path(path)
    for line, value in iter_raw(p):
        if isinstance(value, BadJSON):
            raise DataError(f"invalid JSON: {value.error}", path=str(p), line=line)
        yield line, row_to_record(value) if p.suffix == ".parquet" else value


def write_records(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write an iterable of records, returning the count."""
    with open_writer(path) as w:
        for rec in records:
            w.write(rec)
        return w.count
