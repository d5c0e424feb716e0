"""Line-numbered JSONL reading with errors that name the file and the line.

Trajectories, training examples, math and code task files are all JSONL; they share this one
reader so that a bad line is reported the same way everywhere: `DataError(path, line)`.
`decode_line` is the same rules for one line, for readers that report a bad line and go on.
"""

from __future__ import annotations

import gzip
import json
import math
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
            yield lineno, decode_line(raw, path=str(p), line=lineno, objects=objects)


class _NotStandard(ValueError):
    """NaN, Infinity or a number too big for a float: JSON that Python reads but others don't."""


def reject_constant(name: str) -> Any:
    """`parse_constant` for `json.loads` that refuses NaN and Infinity (Python reads them,
    standard JSON and other readers do not): raises a ValueError."""
    raise _NotStandard(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotStandard(f"{text[:40]} is too big for a number")
    return value


def decode_line(
    raw: bytes,
    *,
    path: str | None = None,
    line: int | None = None,
    objects: bool = True,
    standard: bool = False,
) -> Any:
    """One line of a JSONL file, decoded as `iter_jsonl` decodes each line.

    For readers that go on past a bad line (and report it): raises `DataError` naming `path`
    and `line` when the bytes are not UTF-8 (a BOM is allowed on line 1), the text is not
    JSON, a number is absurd (an integer over CPython's 4,300 digits), the nesting is too deep
    to decode, or (with `objects`) the value is not a JSON object. With `standard`, NaN,
    Infinity and numbers that overflow a float are refused too.
    """
    try:  # decoded line by line: a bad byte is an error naming its line
        text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
            path=path,
            line=line,
        ) from None
    strict: dict[str, Any] = (
        {"parse_constant": reject_constant, "parse_float": _finite_float} if standard else {}
    )
    try:
        value = json.loads(text, **strict)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON: {exc.msg}", path=path, line=line) from exc
    except _NotStandard as exc:
        raise DataError(f"not standard JSON: {exc}", path=path, line=line) from None
    except RecursionError:
        raise DataError("unreadable JSON: nested too deeply", path=path, line=line) from None
    except ValueError as exc:  # an integer past CPython's int/str digit limit
        reason = str(exc).split(";")[0][:200] or type(exc).__name__
        raise DataError(f"unreadable JSON: {reason}", path=path, line=line) from None
    if objects and not isinstance(value, dict):
        raise DataError("expected a JSON object", path=path, line=line)
    return value
