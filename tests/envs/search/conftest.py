"""Shared fixtures: small corpora and session files written into tmp folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


@pytest.fixture()
def mini_corpus(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {
                "id": "d1",
                "title": "Orla Venn",
                "text": "Orla Venn is a chemist. She was born in 1901 in Kestrel.",
            },
            {
                "id": "d2",
                "title": "Kestrel",
                "text": "Kestrel is a city in Arvonia. It was founded in 1620.",
            },
            {
                "id": "d3",
                "title": "Venn Works",
                "text": "Venn Works is a textile company. It was founded in 1930 by Orla Venn.",
            },
        ],
    )
