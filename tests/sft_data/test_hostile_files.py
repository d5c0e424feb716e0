"""Conversion jobs survive hostile files and never destroy data (issue 11 items 8-10, issue 10).

- an output equal to an input (same path, a symlink, a hard link) is refused before any write;
- outputs appear only when complete (temp file + rename): a failed job leaves the old output;
- a non-UTF-8 byte or a deeply nested line is one rejected record with its file and line;
- auto-detection decides by the majority of a sample and reports the records that do not fit;
- a LLaMA-Factory ShareGPT file is sharegpt, and a file rejected whole says what would read it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from agent_rl.sft_data import convert_files, detect_format
from agent_rl.sft_data.readers import detect
from typer.testing import CliRunner

from agent_rl.cli.sft import app
from agent_rl.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"


def openai_line(i: int, **extra) -> str:
    rec = {
        "id": f"r{i}",
        "messages": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ],
        **extra,
    }
    return json.dumps(rec)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ item 8
def test_convert_refuses_to_write_over_its_input(tmp_path):
    src = write(tmp_path / "f.jsonl", [openai_line(i) for i in range(5)])
    before = src.read_bytes()
    res = CliRunner().invoke(app, ["convert", str(src), "--out", str(src)])
    assert res.exit_code != 0
    assert "is also an input" in str(res.exception) or "is also an input" in res.output
    assert src.read_bytes() == before
    link = tmp_path / "link.jsonl"
    link.symlink_to(src)
    hard = tmp_path / "hard.jsonl"
    os.link(src, hard)
    for out in (link, hard):
        with pytest.raises(ConfigError, match="is also an input"):
            convert_files([src], out=out)
    with pytest.raises(ConfigError, match="is also an input"):
        convert_files([src], out=tmp_path / "o.jsonl", rejects=src)
    with pytest.raises(ConfigError, match="same file"):
        convert_files([src], out=tmp_path / "o.jsonl", rejects=tmp_path / "o.jsonl")
    assert src.read_bytes() == before


def test_pipeline_refuses_to_write_over_its_input(tmp_path):
    from agent_rl.sft_data.curate.pipeline import parse_config, run_pipeline

    src = write(tmp_path / "f.jsonl", [openai_line(i) for i in range(3)])
    before = src.read_bytes()
    cfg = parse_config({"inputs": [str(src)], "from": "openai", "output": str(src), "passes": []})
    with pytest.raises(ConfigError, match="is also an input"):
        run_pipeline(cfg)
    assert src.read_bytes() == before


class Boom(BaseException):
    pass


def test_a_failed_job_leaves_the_previous_output_whole(tmp_path):
    src = write(tmp_path / "in.jsonl", [openai_line(i) for i in range(5)])
    out, tok = tmp_path / "out.jsonl", tmp_path / "tok.jsonl"
    out.write_text("previous\n")

    def encoder(record):
        if record["id"] == "r3":
            raise Boom
        return {"id": record["id"]}

    with pytest.raises(Boom):
        convert_files([src], "openai", out=out, tokenized=tok, encoder=encoder)
    assert out.read_text() == "previous\n"
    assert not tok.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    summary = convert_files([src], "openai", out=out)
    assert summary.total.n_out == 5 and len(out.read_text().splitlines()) == 5


# ------------------------------------------------------------------------------ item 9
def test_non_utf8_byte_and_deep_nesting_are_rejected_lines(tmp_path):
    lines = [openai_line(i).encode() for i in range(400)]
    lines[300] = lines[300].replace(b"question", b"quest\xffion")
    lines[350] = b'{"id": "deep", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    src = tmp_path / "bad.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    summary = convert_files([src], "auto", out=tmp_path / "out.jsonl", rejects=rejects)
    total = summary.total
    assert (total.n_in, total.n_out, total.n_rejected) == (400, 398, 2)
    assert summary.reconciles()
    rej = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [(r["line"], r["file"]) for r in rej] == [(301, str(src)), (351, str(src))]
    assert "UTF-8" in rej[0]["detail"] and "nested" in rej[1]["detail"]


def test_non_utf8_first_line_does_not_kill_detection(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_bytes(b'{"id": "\xff"}\n' + "\n".join(openai_line(i) for i in range(3)).encode())
    summary = convert_files([src], "auto", out=tmp_path / "out.jsonl")
    assert (summary.total.n_out, summary.total.n_rejected) == (3, 1)


# ----------------------------------------------------------------------------- item 10
def test_detection_by_majority_reports_the_records_that_do_not_fit(tmp_path):
    lines = [openai_line(i) for i in range(49)]
    lines.insert(0, openai_line(99, query="q", answers="[]", tools="[]"))  # also looks like xlam
    src = write(tmp_path / "mixed.jsonl", lines)
    found = detect(src)
    assert found.format == "openai"
    assert found.votes == {"openai": 49, "xlam": 1}
    assert found.misfits == [1]
    summary = convert_files([src], "auto", out=tmp_path / "out.jsonl")
    assert summary.total.n_out == 50
    assert summary.detection[str(src)]["misfits"] == [1]
    res = CliRunner().invoke(app, ["convert", str(src), "--out", str(tmp_path / "o2.jsonl")])
    assert res.exit_code == 0, res.output
    assert "do not look like openai" in res.output and "line 1" in res.output


LLAMA_FACTORY = {
    "conversations": [
        {"from": "human", "value": "What is the weather in Paris? Answer inside <tool_call> tags."},
        {
            "from": "function_call",
            "value": '{"name": "get_weather", "arguments": {"city": "Paris"}}',
        },
        {"from": "observation", "value": '{"temp": 18}'},
        {"from": "gpt", "value": "It is 18C in Paris."},
    ],
    "tools": json.dumps(
        [
            {
                "name": "get_weather",
                "description": "Weather.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        ]
    ),
}


def test_llama_factory_sharegpt_is_not_hermes(tmp_path):
    src = write(tmp_path / "lf.json", [json.dumps(LLAMA_FACTORY)] * 3)
    assert detect_format(src) == "sharegpt"
    summary = convert_files([src], "auto", out=tmp_path / "out.jsonl")
    assert summary.total.n_out == 3
    assert detect_format(FIXTURES / "hermes.json") == "hermes"


def test_a_file_rejected_whole_names_the_format_that_reads_it(tmp_path):
    src = write(tmp_path / "lf.json", [json.dumps(LLAMA_FACTORY)] * 4)
    summary = convert_files([src], "hermes", out=tmp_path / "out.jsonl")
    assert summary.total.n_out == 0
    hint = summary.hints[str(src)]
    assert "all 4 records" in hint and "sharegpt reads 4 of 4" in hint and "--from sharegpt" in hint
    res = CliRunner().invoke(
        app, ["convert", str(src), "--from", "hermes", "--out", str(tmp_path / "o.jsonl")]
    )
    assert "--from sharegpt" in res.output


# ----------------------------------------------------------- arguments (issue 11, weaker)
def test_arguments_null_and_nan_are_rejected_not_rewritten():
    from agent_rl.sft_data.readers._common import RecordError, normalize_arguments

    assert normalize_arguments(None) == "{}"  # no arguments at all
    assert normalize_arguments("") == "{}"
    for bad, reason in (
        ("null", "arguments_not_object"),
        ('"null"', "arguments_not_object"),
        ('{"x": NaN}', "unparseable_arguments"),
        ('{"x": Infinity}', "unparseable_arguments"),
        ('{"x": 1e999}', "unparseable_arguments"),
        ({"x": float("nan")}, "unparseable_arguments"),
    ):
        with pytest.raises(RecordError) as err:
            normalize_arguments(bad)
        assert err.value.reason == reason, bad


def test_a_record_with_nan_arguments_is_rejected_and_output_is_standard_json(tmp_path):
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"x": NaN}'}}
    rec = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "content": "1", "tool_call_id": "c"},
            {"role": "assistant", "content": "done"},
        ]
    }
    src = write(tmp_path / "in.jsonl", [json.dumps(rec), openai_line(1)])
    out = tmp_path / "out.jsonl"
    summary = convert_files([src], "openai", out=out)
    assert (summary.total.n_out, summary.total.n_rejected) == (1, 1)
    assert "NaN" not in out.read_text()


def test_json_array_files_reject_bad_elements_by_line(tmp_path):
    good = [openai_line(i).encode() for i in range(6)]
    good[2] = good[2].replace(b"question", b"quest\xfeion")
    good[3] = b'{"id": "deep", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    good[4] = b'{"id": "broken", "messages": [1, 2,, 3]}'
    src = tmp_path / "arr.json"
    src.write_bytes(b"[\n" + b",\n".join(good) + b"\n]\n")
    rejects = tmp_path / "rejects.jsonl"
    summary = convert_files([src], "openai", out=tmp_path / "out.jsonl", rejects=rejects)
    assert (summary.total.n_in, summary.total.n_out, summary.total.n_rejected) == (6, 3, 3)
    rej = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [r["line"] for r in rej] == [4, 5, 6]
    assert "UTF-8" in rej[0]["detail"] and "nested" in rej[1]["detail"]


def test_json_array_chunk_boundaries_do_not_change_the_records(tmp_path):
    from agent_rl.sft_data.io import _iter_json_array

    items = [json.loads(openai_line(i)) for i in range(50)]
    items[7]["messages"][0]["content"] = 'quote " and brace } and bracket ] inside'
    src = tmp_path / "arr.json"
    src.write_text(json.dumps(items, indent=1))
    for chunk in (7, 64, 1 << 20):
        assert [v for _, v in _iter_json_array(src, chunk_size=chunk)] == items


def test_bad_array_elements_across_chunk_boundaries(tmp_path):
    from agent_rl.sft_data.io import BadJSON, _iter_json_array

    parts = [openai_line(0).encode(), b'{"a": [1, 2,, 3], "b": "x]"}', b'{"a": "\xff"}']
    parts += [b"[" * 5000 + b"]" * 5000, openai_line(1).encode()]
    src = tmp_path / "arr.json"
    src.write_bytes(b"[" + b",\n".join(parts) + b"]")
    for chunk in (5, 33, 1 << 20):
        got = [(line, isinstance(v, BadJSON)) for line, v in _iter_json_array(src, chunk)]
        assert got == [(1, False), (2, True), (3, True), (4, True), (5, False)], chunk


def test_outputs_get_the_usual_permissions(tmp_path):
    src = write(tmp_path / "in.jsonl", [openai_line(0)])
    out = tmp_path / "out.jsonl"
    convert_files([src], "openai", out=out)
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_fake_gzip_and_parquet_inputs_are_one_clear_error(tmp_path):
    import gzip

    from agent_rl.errors import DataError

    fake_gz = tmp_path / "fake.jsonl.gz"
    fake_gz.write_text("not gzip")
    fake_pq = tmp_path / "fake.parquet"
    fake_pq.write_text("not parquet")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(("\n".join(openai_line(i) for i in range(200))).encode())[:300])
    for src, words in ((fake_gz, "gzip"), (fake_pq, "parquet"), (cut, "gzip")):
        out = tmp_path / "out.jsonl"
        with pytest.raises(DataError, match=f"cannot read this {words} file"):
            convert_files([src], "openai", out=out)
        assert not out.exists()
    res = CliRunner().invoke(app, ["convert", str(fake_pq), "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code != 0


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_nan_in_a_record_is_rejected_not_written(tmp_path, suffix):
    src = tmp_path / "in.jsonl"
    bad = json.loads(openai_line(0))
    bad["meta"] = {"score": float("nan")}
    src.write_text(json.dumps(bad) + "\n" + openai_line(1) + "\n")  # json.dumps writes NaN
    out = tmp_path / f"out{suffix}"
    summary = convert_files([src], "openai", out=out)
    assert (summary.total.n_out, dict(summary.total.rejected)) == (1, {"unwritable_record": 1})
    if suffix == ".jsonl":
        assert "NaN" not in out.read_text()


def test_pipeline_rejects_an_unwritable_record_and_finishes(tmp_path):
    from agent_rl.sft_data.curate.pipeline import parse_config, run_pipeline

    bad = json.loads(openai_line(0))
    bad["meta"] = {"score": float("inf")}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(bad) + "\n" + openai_line(1) + "\n")
    out, tok = tmp_path / "out.jsonl", tmp_path / "tok.jsonl"
    cfg = parse_config(
        {
            "inputs": [str(src)],
            "from": "openai",
            "output": str(out),
            "tokenized": str(tok),
            "passes": [],
        }
    )
    counts = run_pipeline(cfg)
    assert all(c.reconciles() for c in counts)
    assert dict(counts[-1].rejected) == {"unwritable_record": 1}
    assert len(out.read_text().splitlines()) == len(tok.read_text().splitlines()) == 1
