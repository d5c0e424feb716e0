"""Streaming readers: JSON arrays decoded across chunk boundaries with correct line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_rl.sft_data.io import BadJSON, _iter_json_array, iter_raw, iter_records, write_records

from agent_rl.errors import DataError


def test_json_array_across_tiny_chunks(tmp_path: Path) -> None:
    items = [{"id": i, "text": "x" * (i * 3), "nested": {"a": [1, 2, {"b": "}]"}]}} for i in range(30)]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(items, indent=2))
    expected_lines = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line == "  {"]
    for chunk in (5, 17, 64, 1 << 20):
        got = list(_iter_json_array(path, chunk_size=chunk))
        assert [v for _, v in got] == items
        assert [line for line, _ in got] == expected_lines


def test_jsonl_bad_lines_and_errors(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"a": 1}\n\n{oops\n[1, 2]\n')
    got = list(iter_raw(p))
    assert got[0] == (1, {"a": 1}) and got[1][0] == 3 and isinstance(got[1][1], BadJSON) and got[2] == (4, [1, 2])
    bad = tmp_path / "b.json"
    bad.write_text('[{"a": 1}, {"b": ')
    with pytest.raises(DataError, match=r"b\.json"):
        list(iter_raw(bad))


def test_roundtrip_jsonl_gz_and_parquet(tmp_path: Path) -> None:
    recs = [{"id": "r", "messages": [{"role": "user", "content": "é"}, {"role": "assistant", "content": "no", "weight": 0},
                                     {"role": "user", "content": "?"}, {"role": "assistant", "content": "ok"}],
             "tools": [], "source": {"file": "f", "line": 1, "format": "t"}, "meta": {"thinking": True}}]
    for name in ("o.jsonl.gz", "o.parquet"):
        assert write_records(tmp_path / name, recs) == 1
        assert [r for _, r in iter_records(tmp_path / name)] == recs


def test_parquet_input_converts(tmp_path: Path) -> None:
    """Public datasets are often mirrored as parquet: rows are read batch by batch, row numbers
    stand in for lines."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from agent_rl.sft_data import convert_files

    rows = json.loads((Path(__file__).parent / "fixtures" / "xlam.json").read_text())
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "xlam.parquet")
    summary = convert_files([tmp_path / "xlam.parquet"], "auto", out=tmp_path / "o.jsonl",
                            rejects=tmp_path / "r.jsonl")
    assert summary.formats[str(tmp_path / "xlam.parquet")] == "xlam"
    assert (summary.total.n_in, summary.total.n_out) == (3, 2)
    assert json.loads((tmp_path / "r.jsonl").read_text())["line"] == 3  # the third row
