"""Converted samples render exactly as the official DeepSeek-V3.1 template writes them, and
tokenized samples carry the chat format's ids and loss masks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_rl.sft_data import convert_files, iter_file, make_encoder
from agent_rl.sft_data.curate import ThinkMix, ThinkMixConfig

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = Path("/work/shared/reference/deepseek_v31_chat_template.jinja")
BOS = "<｜begin▁of▁sentence｜>"


def converted() -> list[dict]:
    return [r for f in sorted(FIXTURES.rglob("*.json*")) if "possible_answer" not in str(f)
            for r in iter_file(f) if isinstance(r, dict)]


def _official_renderer():
    jinja2 = pytest.importorskip("jinja2", reason="jinja2 not installed")
    if not TEMPLATE.exists():
        pytest.skip(f"official template not found at {TEMPLATE}")
    from agent_rl.chat_format import tools_system_prompt

    template = jinja2.Environment().from_string(TEMPLATE.read_text(encoding="utf-8"))

    def render(r: dict) -> str:
        # The template ignores tools=; the model card puts them in the system prompt, which the
        # template joins after the other system messages.
        msgs = r["messages"] + (
            [{"role": "system", "content": tools_system_prompt(r["tools"])}] if r["tools"] else []
        )
        return template.render(messages=msgs, bos_token=BOS, add_generation_prompt=False)

    return render


def test_render_matches_official_template(chat_format) -> None:
    official = _official_renderer()
    records = converted()
    assert len(records) == 23
    for r in records:
        assert chat_format.render(r["messages"], tools=r["tools"] or None) == official(r), r["id"]


def test_render_of_real_bfcl_records_matches_official_template(chat_format) -> None:
    bfcl = pytest.importorskip("bfcl_eval", reason="bfcl-eval not installed (pip install --no-deps bfcl-eval)")
    official = _official_renderer()
    files = [f for f in sorted((Path(bfcl.__file__).parent / "data").glob("BFCL_v*.json"))
             if "format_sensitivity" not in f.name]  # that file is an index of ids, not records
    n = 0
    for path in files:
        for r in iter_file(path):
            if isinstance(r, dict):
                n += 1
                assert chat_format.render(r["messages"], tools=r["tools"] or None) == official(r), r["id"]
    assert n > 2000  # simple, multiple, parallel, live and Java/JavaScript categories


def test_tokenized_output(tmp_path: Path, chat_format) -> None:
    summary = convert_files(sorted(FIXTURES.glob("*.json*")), "auto", out=tmp_path / "c.jsonl",
                            tokenized=tmp_path / "t.jsonl", encoder=make_encoder(chat_format))
    samples = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert len(samples) == summary.total.n_out == summary.tokenized
    records = {json.loads(x)["id"]: json.loads(x) for x in (tmp_path / "c.jsonl").read_text().splitlines()}
    for s in samples:
        assert len(s["input_ids"]) == len(s["loss_mask"]) and 0 < sum(s["loss_mask"]) < len(s["loss_mask"])
        r = records[s["id"]]
        assert chat_format.decode(s["input_ids"]) == chat_format.render(r["messages"], tools=r["tools"] or None)
        assert s["input_ids"][-1] == chat_format.eos_token_id and s["loss_mask"][-1] == 1


def test_think_mix_renders_thinking_targets(chat_format) -> None:
    r = {"id": "t", "messages": [{"role": "user", "content": "2+2?"},
                                 {"role": "assistant", "content": "4", "reasoning_content": "add"}],
         "tools": [], "source": {"file": "m", "line": 1, "format": "t"}, "meta": {}}
    (on,) = ThinkMix(ThinkMixConfig(share=1.0))([r])
    (off,) = ThinkMix(ThinkMixConfig(share=0.0))([r])
    enc = make_encoder(chat_format)
    text_on = chat_format.decode(enc(on)["input_ids"])
    text_off = chat_format.decode(enc(off)["input_ids"])
    assert "<think>add</think>4" in text_on and "add" not in text_off and "</think>4" in text_off
