"""The one JSONL reader: line numbers, gzip, and errors that name the file and the line."""

from __future__ import annotations

import gzip

import pytest

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl


def test_yields_line_numbers_and_skips_blank_lines(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert list(iter_jsonl(f)) == [(1, {"a": 1}), (3, {"a": 2})]


def test_reads_gzip(tmp_path):
    f = tmp_path / "a.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8") as g:
        g.write('{"x": "é"}\n')
    assert list(iter_jsonl(f)) == [(1, {"x": "é"})]


@pytest.mark.parametrize(
    ("text", "objects", "message"),
    [
        ('{"a": 1}\n{"a": \n', True, "invalid JSON"),
        ('{"a": 1}\n[1, 2]\n', True, "expected a JSON object"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, text, objects, message):
    f = tmp_path / "bad.jsonl"
    f.write_text(text)
    with pytest.raises(DataError, match=message) as e:
        list(iter_jsonl(f, objects=objects))
    assert e.value.line == 2 and "bad.jsonl" in str(e.value)


def test_non_objects_pass_when_asked_and_missing_files_are_named(tmp_path):
    f = tmp_path / "list.jsonl"
    f.write_text("[1, 2]\n")
    assert list(iter_jsonl(f, objects=False)) == [(1, [1, 2])]
    with pytest.raises(DataError, match="does not exist"):
        list(iter_jsonl(tmp_path / "missing.jsonl"))


def test_non_utf8_and_deeply_nested_lines_name_their_line(tmp_path):
    f = tmp_path / "bad.jsonl"
    for line2, message in (
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "unreadable JSON"),
    ):
        f.write_bytes(b'{"a": 1}\n' + line2 + b"\n")
        with pytest.raises(DataError, match=message) as e:
            list(iter_jsonl(f))
        assert e.value.line == 2 and "bad.jsonl" in str(e.value)
