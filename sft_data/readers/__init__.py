"""Readers of public function-calling formats; each turns one raw record into a canonical one.

A reader module has `FORMAT`, `sniff(raw) -> bool`, `convert(raw, ctx) -> dict` (raising
`RecordError(reason, detail)` for a record it cannot convert) and optionally
`open_file(path) -> state` for per-file context (BFCL's answer files).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

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


@dataclass
class Detection:
    """What auto-detection saw in a file's sample: each record's vote and the winner."""

    format: str
    sampled: int
    votes: dict[str, int] = field(default_factory=dict)  # format -> records (None: no format)
    misfits: list[int] = field(default_factory=list)  # lines of sampled records voting otherwise

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "sampled": self.sampled, "votes": self.votes,
                "misfits": self.misfits}

    def describe(self) -> str:
        """One line for the report ('' when every sampled record fits)."""
        if not self.misfits:
            return ""
        others = ", ".join(
            f"{v} fit no format" if k == "none" else f"{v} look like {k}"
            for k, v in self.votes.items()
            if k != self.format
        )
        shown = ", ".join(map(str, self.misfits[:10])) + (" ..." if len(self.misfits) > 10 else "")
        return (f"{len(self.misfits)} of {self.sampled} sampled records do not look like "
                f"{self.format} ({others}): line {shown}")


def vote(raw: Any) -> str | None:
    """The most specific format whose signature `raw` has (READERS order), None if none."""
    if not isinstance(raw, dict):
        return None
    for fmt, reader in READERS.items():
        try:
            if reader.sniff(raw):
                return fmt
        except Exception:
            continue
    return None


def detect(path: str | Path, sample: int = 200) -> Detection:
    """The format most of the first `sample` records have, with the records that differ.

    A few odd records (extra keys, a stray tag) no longer decide a whole file: the majority
    does, and the rest are reported (they may still convert, or be rejected with a reason).
    """
    lines: list[tuple[int, str | None]] = [
        (line, vote(r)) for line, r in itertools.islice(iter_raw(path), sample)
    ]
    votes = Counter(v for _, v in lines if v is not None)
    if not votes:
        objs = [r for _, r in itertools.islice(iter_raw(path), 1) if isinstance(r, dict)]
        if not objs:
            raise DataError(
                "cannot detect the format: none of the first records is a JSON object "
                "(one record per line, or a JSON array of records)", path=str(path))
        raise DataError(
            f"cannot detect the format (first record keys {sorted(objs[0])[:8]}); pass --from "
            f"one of {', '.join(FORMATS)}", path=str(path))
    order = list(READERS)
    best = max(votes, key=lambda f: (votes[f], -order.index(f)))
    counted = Counter(v for _, v in lines)
    return Detection(
        best,
        len(lines),
        {(k or "none"): n for k, n in counted.most_common()},
        [line for line, v in lines if v != best],
    )


def detect_format(path: str | Path, sample: int = 200) -> str:
    """The format most of the first `sample` records of `path` have (see `detect`)."""
    return detect(path, sample).format


__all__ = [
    "FORMATS",
    "READERS",
    "BadJSON",
    "Detection",
    "RecordError",
    "detect",
    "detect_format",
    "get_reader",
    "loads_loose",
    "normalize_arguments",
    "parse_bracket_calls",
]
