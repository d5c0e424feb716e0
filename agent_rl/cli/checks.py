"""Checks every command runs before any work: numbers that make sense, outputs it can write.

A command that would fail at its end (an output folder that is a file, a NaN temperature)
fails at its start instead, with one line naming the option; outputs are written to a
temporary file beside their target and renamed only when complete, so an existing file is
never truncated by a run that then fails.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from agent_rl.errors import ConfigError


def number(
    value: float | None,
    option: str,
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
) -> float | None:
    """`value` if finite and in range (None passes), else a `ConfigError` naming `option`."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise ConfigError(f"must be a finite number, got {value}", key=option)
    if minimum is not None and value < minimum:
        raise ConfigError(f"must be >= {minimum:g}, got {value:g}", key=option)
    if above is not None and value <= above:
        raise ConfigError(f"must be > {above:g}, got {value:g}", key=option)
    if maximum is not None and value > maximum:
        raise ConfigError(f"must be <= {maximum:g}, got {value:g}", key=option)
    return value


def _writable_parent(path: Path, option: str) -> None:
    parent = next((p for p in path.parents if p.exists()), Path("."))
    if not parent.is_dir():
        raise ConfigError(f"{parent} is not a directory", key=option)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write to {parent} (permission denied)", key=option)


def output_file(path: Path, option: str = "--out") -> Path:
    """A file the command may (re)write: not a directory, in a folder it can write."""
    if path.is_dir():
        raise ConfigError(f"{path} is a directory; give a file name", key=option)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"cannot write to {path} (permission denied)", key=option)
    _writable_parent(path, option)
    return path


def output_dir(path: Path, option: str = "--out-dir") -> Path:
    """A folder the command may write into: a directory (or creatable), writable."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path} exists and is not a directory", key=option)
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write to {path} (permission denied)", key=option)
    _writable_parent(path, option)
    return path


def input_file(path: Path, option: str) -> Path:
    """A file the command will read: it exists, is a file, and is readable."""
    if not path.exists():
        raise ConfigError(f"{path} does not exist", key=option)
    if path.is_dir():
        raise ConfigError(f"{path} is a directory; give a file", key=option)
    if not os.access(path, os.R_OK):
        raise ConfigError(f"cannot read {path} (permission denied)", key=option)
    return path


def distinct(output: Path, inputs: list[Path], option: str = "--out") -> None:
    """Refuse an output that is one of the inputs (writing it would destroy the input)."""
    for p in inputs:
        if p.exists() and output.exists() and os.path.samefile(p, output):
            raise ConfigError(f"{output} is also an input; write somewhere else", key=option)


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open a temp file beside `path`; on success it replaces `path`, on failure it is kept
    as `<path>.partial` (what was done so far) and `path` is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    f = os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")
    try:
        yield f
    except BaseException:
        f.close()
        partial = path.with_name(path.name + ".partial")
        if os.path.getsize(tmp):
            os.replace(tmp, partial)
        else:
            os.unlink(tmp)
        raise
    f.close()
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_output_dir(out_dir: Path) -> Iterator[Path]:
    """A temp folder beside `out_dir` to write a set of files into; on success each file
    replaces its namesake in `out_dir` (created if needed; other files there are kept), on
    failure nothing in `out_dir` changes. Either way the temp folder is removed."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        yield tmp
        out_dir.mkdir(parents=True, exist_ok=True)
        for src in sorted(tmp.rglob("*")):
            if src.is_dir() and not src.is_symlink():
                continue
            dest = out_dir / src.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
