"""Line-numbered JSONL reading with errors that name the file and the line.

Trajectories, training examples, math and code task files are all JSONL; they share this one
reader so that a bad line is reported the same way everywhere: `DataError(path, line)`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_rl.errors import DataError


def iter_jsonl(path: str | Path, *, objects: bool = True) -> Iterator[tuple[int, Any]]:
    """Yield `(line number, value)` for each non-blank line of a `.jsonl` (or `.jsonl.gz`) file.

    Raises `DataError` naming the file (and line) when the file is missing, a line is not
    JSON, or (with `objects`) a line is not a JSON object.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("file does not exist", path=str(p))
    opener: Any = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:  # decoded line by line: a bad byte is an error naming its line
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
                    path=str(p),
                    line=lineno,
                ) from None
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"invalid JSON: {exc.msg}", path=str(p), line=lineno) from exc
            except (ValueError, RecursionError) as exc:  # absurd numbers, deep nesting
                raise DataError(
                    f"unreadable JSON: {type(exc).__name__}", path=str(p), line=lineno
                ) from None
            if objects and not isinstance(value, dict):
                raise DataError("expected a JSON object", path=str(p), line=lineno)
            yield lineno, value
