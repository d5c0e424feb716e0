"""Conversion of each public format into canonical records: exact outputs, rejects, counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_rl.sft_data import convert_files, detect_format, iter_file, validate_record
from agent_rl.sft_data.io import iter_records
from agent_rl.sft_data.readers import parse_bracket_calls
from agent_rl.sft_data.readers._common import normalize_arguments
from agent_rl.sft_data.report import Rejection

from agent_rl.errors import ConfigError, DataError

FIXTURES = Path(__file__).parent / "fixtures"

EXPECTED_FORMATS = {
    "openai.jsonl": "openai",
    "sharegpt.jsonl": "sharegpt",
    "glaive.json": "glaive",
    "xlam.json": "xlam",
    "hermes.json": "hermes",
    "toolace.json": "toolace",
    "bfcl/BFCL_v3_simple.json": "bfcl",
    "bfcl/BFCL_v4_live_multiple.json": "bfcl",
    "bfcl/BFCL_v4_simple_java.json": "bfcl",
}


def _convert(name: str) -> tuple[dict[str, dict], list[Rejection]]:
    records, rejects = {}, []
    for item in iter_file(FIXTURES / name):
        if isinstance(item, Rejection):
            rejects.append(item)
        else:
            assert validate_record(item) == []
            records[item["id"]] = item
    return records, rejects


def _calls(msg: dict) -> list[tuple[str, dict]]:
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in msg["tool_calls"]]


@pytest.mark.parametrize(("name", "fmt"), EXPECTED_FORMATS.items())
def test_auto_detects_each_format(name: str, fmt: str) -> None:
    assert detect_format(FIXTURES / name) == fmt


def test_openai_quirks() -> None:
    recs, rejects = _convert("openai.jsonl")
    par = recs["oa-parallel"]["messages"]
    assert _calls(par[1]) == [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome", "unit": "c"})]
    assert par[1]["content"] == ""  # None -> ""
    assert [(m["tool_call_id"], m["content"]) for m in par[2:4]] == [("call_0", "18C"), ("call_1", "24C")]
    era = recs["oa-function-call-era"]
    assert _calls(era["messages"][1]) == [("get_weather", {"city": "Oslo"})]
    assert era["messages"][2] == {"role": "tool", "content": '{"temp": 3}', "tool_call_id": "call_0", "name": "get_weather"}
    assert era["tools"][0]["function"]["name"] == "get_weather"
    q = recs["oa-quirks"]["messages"]
    assert q[0]["content"] == "Two cities: Lima, Quito"
    assert _calls(q[1]) == [("get_weather", {"city": "Lima"}), ("get_weather", {"city": "Quito", "unit": None})]
    # one tool message holding a JSON list of two results -> two tool messages
    assert [(m["tool_call_id"], m["content"]) for m in q[2:4]] == [("a1", "20C"), ("a2", "15C")]
    assert q[4] == {"role": "assistant", "content": "Lima 20C, Quito 15C.", "reasoning_content": "Both fetched."}
    assert sorted((r.reason, r.line) for r in rejects) == [
        ("invalid_json", 5), ("no_assistant_turn", 6), ("unparseable_arguments", 7)
    ]
    # the OpenAI fine-tuning guide's example: the target is a call turn without "content"
    guide = recs["openai:8"]
    assert guide["messages"][-1]["content"] == "" and _calls(guide["messages"][-1]) == [
        ("get_current_weather", {"location": "San Francisco, USA", "format": "celsius"})]
    assert [m.get("weight") for m in recs["oa-weight"]["messages"]] == [None, 0, None, 1]


def test_openai_weight_zero_is_context_only(chat_format) -> None:
    from agent_rl.sft_data import make_encoder

    recs, _ = _convert("openai.jsonl")
    sample = make_encoder(chat_format)(recs["oa-weight"])
    trained = chat_format.decode([t for t, m in zip(sample["input_ids"], sample["loss_mask"], strict=True) if m])
    assert trained == "Sorry: it is Paris." + chat_format.decode([chat_format.eos_token_id])
    assert "London" in chat_format.decode(sample["input_ids"])  # still in the context


def test_sharegpt_parallel_and_merge() -> None:
    recs, rejects = _convert("sharegpt.jsonl")
    two = recs["sharegpt:2"]["messages"]
    assert two[0] == {"role": "system", "content": "You are a weather bot."}
    assert _calls(two[2]) == [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})]
    assert [m["content"] for m in two[3:5]] == ['{"temp": 18}', '{"temp": 24}']
    three = recs["sharegpt:3"]["messages"]
    assert three[1]["content"] == "Let me check." and _calls(three[1]) == [("get_weather", {"city": "Oslo"})]
    assert [(r.reason, r.line) for r in rejects] == [("bad_role", 4)]
    demo = recs["sharegpt:5"]  # LLaMA-Factory glaive_toolcall demo shape
    assert [t["function"]["name"] for t in demo["tools"]] == ["search_recipes", "get_time"]
    assert demo["tools"][1]["function"]["parameters"] == {"type": "object", "properties": {}}
    assert _calls(demo["messages"][3]) == [("search_recipes", {"ingredients": ["chicken", "bell peppers", "rice"]})]
    assert demo["messages"][4]["tool_call_id"] == "call_0"


def test_glaive() -> None:
    recs, rejects = _convert("glaive.json")
    rec = recs["glaive:2"]
    assert [t["function"]["name"] for t in rec["tools"]] == ["get_exchange_rate", "calculate_tip"]
    m = rec["messages"]
    assert m[0]["content"].startswith("You are a helpful assistant with access to the following functions")
    assert m[2]["content"].endswith("I can help with exchange rates.")  # <|endoftext|> stripped
    assert _calls(m[4]) == [("get_exchange_rate", {"base_currency": "USD", "target_currency": "GBP"})]
    assert m[5]["role"] == "tool" and json.loads(m[5]["content"]) == {"exchange_rate": 0.75}
    assert m[6]["content"] == "The current exchange rate from USD to GBP is 0.75."
    assert recs["glaive:6"]["tools"] == []
    assert [(r.reason, r.line) for r in rejects] == [("unparseable_call", 10)]
    # real quirks: multi-line arguments, an unescaped apostrophe, object and missing arguments
    quirks = recs["glaive:14"]["messages"]
    assert [c for m in quirks if m.get("tool_calls") for c in _calls(m)] == [
        ("track_expenses", {"category": "groceries", "amount": 200, "date": "2022-04-01"}),
        ("send_email", {"message": "Done. Regards, [User's Name]"}),
        ("get_current_time", {}),
        ("track_expenses", {"category": "taxi", "amount": 12.5}),
    ]
    assert [m["content"] for m in quirks if m["role"] == "tool"][2] == '{"time": "10:30"}'


def test_xlam() -> None:
    recs, rejects = _convert("xlam.json")
    rec = recs["xlam-0"]
    assert _calls(rec["messages"][1]) == [("live_giveaways_by_type", {"type": "beta"}),
                                          ("live_giveaways_by_type", {"type": "game"})]
    params = rec["tools"][0]["function"]["parameters"]
    assert params["properties"]["type"]["type"] == "string" and params["required"] == ["type"]
    q = recs["xlam-1"]["tools"][1]["function"]["parameters"]
    assert q["properties"]["limit"]["type"] == "integer" and "required" not in q  # "int, optional"
    assert recs["xlam-1"]["tools"][0]["function"]["parameters"]["properties"]["nums"]["type"] == "array"
    assert [(r.reason, r.line) for r in rejects] == [("bad_answers", 14)]


def test_hermes() -> None:
    recs, rejects = _convert("hermes.json")
    rec = recs["h-1"]
    assert rec["messages"][0]["role"] == "user"  # hermes tool-instruction system prompt dropped
    assert rec["meta"]["dropped_system"] and rec["meta"]["category"] == "Finance"
    assert rec["tools"][0]["function"]["name"] == "get_stock_price"
    assert _calls(rec["messages"][1]) == [("get_stock_price", {"symbol": "AAPL"}), ("get_stock_price", {"symbol": "MSFT"})]
    assert [json.loads(m["content"])["price"] for m in rec["messages"][2:4]] == [190.1, 410.5]
    card = recs["753d8365-0e54-43b1-9514-3f9b819fd31c"]  # the dataset card's row
    assert [t["function"]["name"] for t in card["tools"]] == ["search_flights"]  # "<tools> </tools>" prose skipped
    assert _calls(card["messages"][1]) == [("search_flights", {"departure_city": "Los Angeles", "destination_city": "Auckland",
                                                                "class": "economy", "flexible_cancellation": True})]
    assert json.loads(card["messages"][2]["content"])["flights"][0]["flight_number"] == "NZ6"
    assert [(r.reason, r.id) for r in rejects] == [
        ("unparseable_call", "h-2"), ("unparseable_call", "afba1f0c-3212-467d-8594-d72a06da4d05")]
    assert rejects[1].detail == "conversations[2]: call without a name"  # name inside arguments


def test_toolace() -> None:
    recs, rejects = _convert("toolace.json")
    rec = recs["toolace:2"]
    assert [t["function"]["name"] for t in rec["tools"]] == ["Market Trends API", "get_ranks"]
    assert rec["tools"][0]["function"]["parameters"]["type"] == "object"  # "dict" mapped
    assert _calls(rec["messages"][1]) == [
        ("Market Trends API", {"trend_type": "MOST_ACTIVE", "country": "us"}),
        ("get_ranks", {"ids": [1, 2], "exact": True}),
    ]
    assert [(m["name"], json.loads(m["content"])) for m in rec["messages"][2:4]] == [
        ("Market Trends API", {"trends": ["AAPL"]}), ("get_ranks", {"1": 5, "2": 9})
    ]
    # a call whose argument is code (never evaluated) is rejected
    assert [r.reason for r in rejects] == ["unparseable_call"]
    released = recs["toolace:36"]["messages"]  # the released data's system wording
    assert recs["toolace:36"]["tools"][0]["function"]["name"] == "newAddress"
    assert _calls(released[1]) == [("newAddress", {})] and released[2]["name"] == "newAddress"
    assert released[-1] == {"role": "assistant", "content": "None of the given functions can send funds, so I cannot do that."}


def test_bfcl_with_possible_answers() -> None:
    recs, rejects = _convert("bfcl/BFCL_v3_simple.json")
    assert _calls(recs["simple_0"]["messages"][-1]) == [("calculate_triangle_area", {"base": 10, "height": 5, "unit": "units"})]
    assert recs["simple_0"]["tools"][0]["function"]["parameters"]["type"] == "object"
    assert [(r.reason, r.line) for r in rejects] == [("no_answer", 3)]


def test_bfcl_nested_answers_java_and_unsupported_categories() -> None:
    recs, rejects = _convert("bfcl/BFCL_v4_live_multiple.json")
    # a dict argument holds acceptable values per key again: the first of each is taken
    assert _calls(recs["live_multiple_0-0-0"]["messages"][-1]) == [("ChaDri.change_drink", {
        "drink_id": "latte", "new_preferences": {"size": "large", "milk_type": "coconut", "sweetness_level": "extra",
                                                 "special_instructions": "served boiling hot"}})]
    assert [(r.reason, r.id) for r in rejects] == [("bfcl_irrelevance", "live_irrelevance_0-0-0")]
    recs, rejects = _convert("bfcl/BFCL_v4_simple_java.json")
    java = recs["simple_java_18"]
    assert _calls(java["messages"][-1]) == [("UserService.listUsers", {"pageNo": "3", "pageSize": "20", "includeInactive": "true"})]
    props = java["tools"][0]["function"]["parameters"]["properties"]
    assert props["pageNo"]["type"] == "string" and "Java integer type parameter in string representation" in props["pageNo"]["description"]
    assert props["ids"]["type"] == "array"
    assert [(r.reason, r.id) for r in rejects] == [("bfcl_simulated_apis", "multi_turn_base_0")]


def test_real_bfcl_package_data() -> None:
    bfcl = pytest.importorskip("bfcl_eval", reason="bfcl-eval not installed (pip install --no-deps bfcl-eval)")
    data = Path(bfcl.__file__).parent / "data"
    files = sorted(data.glob("BFCL_v*_simple_python.json")) + sorted(data.glob("BFCL_v*_parallel.json"))
    if not files:
        pytest.skip(f"no BFCL simple/parallel files under {data}")
    for path in files:
        assert detect_format(path) == "bfcl"
        n_out = n_in = 0
        for item in iter_file(path):
            n_in += 1
            if isinstance(item, dict):
                n_out += 1
                assert validate_record(item) == []
        assert n_in >= 10 and n_out == n_in, f"{path.name}: {n_out}/{n_in} converted"
    # every other category: converted, or rejected for a reason that says why
    expected = {"irrelevance": "bfcl_irrelevance", "relevance": "no_answer", "multi_turn": "bfcl_simulated_apis",
                "memory": "bfcl_simulated_apis", "web_search": "bfcl_simulated_apis"}
    for path in sorted(data.glob("BFCL_v*.json")):
        if "format_sensitivity" in path.name:
            continue
        reasons = {r.reason for r in iter_file(path) if isinstance(r, Rejection)}
        category = next((k for k in expected if k in path.name), None)
        assert reasons <= ({expected[category]} if category else set()), (path.name, reasons)


def test_bracket_calls_and_arguments() -> None:
    assert parse_bracket_calls('[f(a=1, b="x"), other thing(c=[1, 2], d={"k": None})]') == [
        ("f", {"a": 1, "b": "x"}), ("other thing", {"c": [1, 2], "d": {"k": None}})
    ]
    assert parse_bracket_calls("[g(s='a), b(')]") == [("g", {"s": "a), b("})]
    for bad in ["[f(1)]", "[f(a=open('x'))]", "[f(a=1]", "[f(**k)]"]:
        with pytest.raises(ValueError):
            parse_bracket_calls(bad)
    assert normalize_arguments({"a": 1}) == '{"a": 1}'
    assert normalize_arguments('"{\\"a\\": 1}"') == '{"a": 1}'  # double-encoded
    assert normalize_arguments("{'a': True, 'b': None}") == '{"a": true, "b": null}'
    assert normalize_arguments(None) == "{}"


def test_convert_files_reconciles_and_writes_rejects(tmp_path: Path) -> None:
    inputs = [FIXTURES / n for n in EXPECTED_FORMATS]
    summary = convert_files(inputs, "auto", out=tmp_path / "out.parquet", rejects=tmp_path / "rej.jsonl")
    total = summary.total
    assert summary.reconciles() and total.n_in == total.n_out + total.n_rejected
    assert total.n_out == 23 and total.n_rejected == 12
    assert summary.formats[str(FIXTURES / "glaive.json")] == "glaive"
    rejects = [json.loads(line) for line in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert len(rejects) == total.n_rejected
    assert all(r["file"] and r["line"] > 0 and r["reason"] for r in rejects)
    back = [r for _, r in iter_records(tmp_path / "out.parquet")]
    assert len(back) == total.n_out and all(validate_record(r) == [] for r in back)


def test_bad_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="allowed: auto, bfcl"):
        convert_files([FIXTURES / "xlam.json"], "alpaca", out=tmp_path / "o.jsonl")
    with pytest.raises(DataError, match="no such file"):
        convert_files([tmp_path / "missing.jsonl"], "auto", out=tmp_path / "o.jsonl")
    weird = tmp_path / "weird.jsonl"
    weird.write_text('{"foo": 1}\n')
    with pytest.raises(DataError, match="cannot detect"):
        detect_format(weird)
    # a file that is not a record file (like BFCL's pretty-printed id index) stops the run
    # before anything is written, naming the file
    index = tmp_path / "BFCL_v4_format_sensitivity.json"
    index.write_text('{\n    "simple_python": ["simple_python_58", "simple_python_94"]\n}\n')
    with pytest.raises(DataError, match=r"format_sensitivity\.json.*cannot detect"):
        convert_files([FIXTURES / "xlam.json", index], "auto", out=tmp_path / "o2.jsonl")
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "o2.jsonl").exists()
