"""Readers of public function-calling formats; each turns one raw record into a canonical one.

A reader module has `FORMAT`, `sniff(raw) -> bool`, `convert(raw, ctx) -> dict` (raising
`RecordError(reason, detail)` for a record it cannot convert) and optionally
`open_file(path) -> state` for per-file context (BFCL's answer files).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from types import ModuleType

from agent_rl.sft_data.io import BadJSON, iter_raw
from agent_rl.sft_data.readers import bfcl, glaive, hermes, openai, sharegpt, toolace, xlam
from agent_rl.sft_data.readers._common import RecordError, loads_loose, normalize_arguments
from agent_rl.sft_data.readers._pycalls import parse_bracket_calls

from agent_rl.errors import ConfigError, DataError

# Detection order: most specific first (hermes and toolace are ShareGPT with extra signs).
READERS: dict[str, ModuleType] = {
    m.FORMAT: m for m in (bfcl, xlam, glaive, hermes, toolace, sharegpt, openai)
}
FORMATS = tuple(READERS)


def get_reader(fmt: str) -> ModuleType:
    """The reader module for `fmt`; the error lists the formats that exist."""
    try:
        return READERS[fmt]
    except KeyError:
        raise ConfigError(
            f"unknown format {fmt!r}; allowed: auto, {', '.join(FORMATS)}", key="from"
        ) from None


def detect_format(path: str | Path, sample: int = 20) -> str:
    """The most specific format any of the first `sample` records of `path` matches."""
    records = [
        r for _, r in itertools.islice(iter_raw(path), sample) if isinstance(r, dict)
    ]
    if not records:
        raise DataError(
            "cannot detect the format: none of the first records is a JSON object "
            "(one record per line, or a JSON array of records)", path=str(path))
    for fmt, reader in READERS.items():
        if any(reader.sniff(r) for r in records):
            return fmt
    keys = sorted(records[0])[:8]
    raise DataError(
        f"cannot detect the format (first record keys {keys}); pass --from one of {', '.join(FORMATS)}",
        path=str(path),
    )


__all__ = [
    "FORMATS",
    "READERS",
    "BadJSON",
    "RecordError",
    "detect_format",
    "get_reader",
    "loads_loose",
    "normalize_arguments",
    "parse_bracket_calls",
]
