"""Curation passes: behaviour, counts that reconcile, streaming without accumulation."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from agent_rl.sft_data import iter_file
from agent_rl.sft_data.curate import (
    Dedup,
    DedupConfig,
    Identity,
    IdentityConfig,
    PairBuilder,
    PairsConfig,
    Quality,
    QualityConfig,
    Select,
    SelectConfig,
    ThinkMix,
    ThinkMixConfig,
    parse_config,
    run_pipeline,
)
from agent_rl.sft_data.report import Rejection

from agent_rl.errors import ConfigError, DataError

FIXTURES = Path(__file__).parent / "fixtures"


def rec(rid: str, user: str, answer: str = "ok", **extra: object) -> dict:
    msg = {"role": "assistant", "content": answer, **extra}
    return {"id": rid, "messages": [{"role": "user", "content": user}, msg], "tools": [],
            "source": {"file": "mem", "line": 1, "format": "test"}, "meta": {}}


def fixture_records() -> list[dict]:
    return [r for f in sorted(FIXTURES.glob("*.json*")) for r in iter_file(f) if isinstance(r, dict)]


# ----------------------------------------------------------------------------- think-mix
def test_think_mix_share_and_tool_turns() -> None:
    records = [rec(f"r{i}", f"q{i}", "A", reasoning_content="R") for i in range(400)]
    out = list(ThinkMix(ThinkMixConfig(share=0.3))(records))
    thinking = [r for r in out if r["meta"]["thinking"]]
    assert 0.22 < len(thinking) / 400 < 0.38
    assert all("reasoning_content" in r["messages"][1] for r in thinking)
    assert all("reasoning_content" not in r["messages"][1] for r in out if not r["meta"]["thinking"])
    again = list(ThinkMix(ThinkMixConfig(share=0.3))(records))
    assert [r["meta"]["thinking"] for r in again] == [r["meta"]["thinking"] for r in out]
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    tool_rec = rec("t", "q", "", reasoning_content="R", tool_calls=[call])
    (res,) = ThinkMix(ThinkMixConfig(share=1.0))([tool_rec])
    assert res["meta"]["thinking"] is False and "reasoning_content" not in res["messages"][1]
    with pytest.raises(ConfigError, match="share"):
        ThinkMix(ThinkMixConfig(share=1.5))


# ------------------------------------------------------------------------------ identity
CLAIMS = {
    "I am ChatGPT, a large language model trained by OpenAI.": "en:openai",
    "Hi! I'm Claude, an AI assistant made by Anthropic.": "en:anthropic",
    "As an AI language model developed by OpenAI, I can't browse.": "en:openai",
    "My name is Gemini and I was built by Google.": "en:gemini",
    "I am Qwen-72B.": "en:qwen",
    "我是通义千问，由阿里云开发的超大规模语言模型。": "zh:qwen",
    "我是文心一言，百度研发的知识增强大语言模型。": "zh:ernie",
    "你好，我是由深度求索公司开发的智能助手DeepSeek。": "zh:deepseek",
    "我是ChatGPT。": "zh:openai",
}
NOT_CLAIMS = [
    "ChatGPT is a chatbot released in 2022.",
    "I am not ChatGPT, but I can help.",
    "Android was developed by Google.",
    "文心一言是百度的产品。",
    "You can compare Claude and Gemini on benchmarks.",
]


@pytest.mark.parametrize(("text", "key"), CLAIMS.items())
def test_identity_finds_claims_in_both_languages(text: str, key: str) -> None:
    p = Identity()
    assert key in {k for k, _ in p.find(text)}
    new, hits = p.rewrite(text)
    assert key in hits and "Lightning" in new
    for name in ("ChatGPT", "Claude", "通义千问", "文心一言", "Qwen-72B"):
        if name in text:
            assert name not in new


@pytest.mark.parametrize("text", NOT_CLAIMS)
def test_identity_ignores_mentions(text: str) -> None:
    assert Identity().find(text) == []
    assert Identity().rewrite(text) == (text, [])


def test_identity_drop_rewrite_and_qa() -> None:
    records = [rec(f"c{i}", "who are you", t) for i, t in enumerate(CLAIMS)] + [
        rec(f"n{i}", "q", t) for i, t in enumerate(NOT_CLAIMS)
    ]
    rejected: list[Rejection] = []
    drop = Identity(IdentityConfig(mode="drop"), on_reject=rejected.append)
    kept = list(drop(records))
    assert [r["id"] for r in kept] == [f"n{i}" for i in range(len(NOT_CLAIMS))]
    assert len(rejected) == len(CLAIMS) and all(r.reason.startswith("identity:") for r in rejected)
    assert drop.counts.reconciles() and drop.counts.notes["zh:qwen"] >= 1
    rw = Identity(IdentityConfig(name="Nova", developer="Acme", developer_zh="Acme公司", qa_count=6))
    out = list(rw(records))
    assert len(out) == len(records) + 6 and rw.counts.reconciles()
    assert out[0]["messages"][1]["content"] == "I am Nova, a large language model trained by Acme."
    qa = out[-6:]
    assert {r["meta"]["lang"] for r in qa} == {"en", "zh"}
    assert all("Nova" in r["messages"][1]["content"] for r in qa)
    assert rw.counts.notes["records_rewritten"] == len(CLAIMS)
    custom = Identity(IdentityConfig(extra_vendors={"acme": [["AcmeBot"], ["Acme Corp"]]}, exclude=["deepseek"]))
    assert custom.rewrite("I am AcmeBot.")[0] == "I am Lightning."
    assert custom.find("我是DeepSeek") == []
    with pytest.raises(ConfigError, match=r"identity\.mode"):
        Identity(IdentityConfig(mode="fix"))


def test_identity_qa_samples_are_distinct_and_survive_dedup() -> None:
    from agent_rl.sft_data.curate.identity import MAX_QA

    p = Identity(IdentityConfig(qa_count=MAX_QA + 7))
    qa = list(p([]))
    assert len(qa) == MAX_QA and p.counts.notes["qa_capped"] == 7 and p.counts.reconciles()
    questions = [r["messages"][0]["content"] for r in qa]
    assert len(set(questions)) == len(questions) and len({r["id"] for r in qa}) == len(qa)
    dedup = Dedup()
    assert len(list(dedup(qa))) == MAX_QA, dedup.counts.rejected  # neither exact nor near duplicates
    deny = [r for r in qa if r["messages"][0]["content"] in ("Are you ChatGPT?", "你是ChatGPT吗？")]
    assert len(deny) == 2 and all(r["messages"][1]["content"].startswith(("No", "不是")) for r in deny)
    assert Identity().find(" ".join(r["messages"][1]["content"] for r in qa)) == []


# --------------------------------------------------------------------------------- dedup
def _mutate(text: str, rnd: random.Random) -> str:
    words = text.split()
    i = rnd.randrange(len(words))
    words[i] = words[i] + "s"
    return " ".join(words).upper() if rnd.random() < 0.5 else " ".join(words) + "  "


def test_dedup_exact_and_near_recall() -> None:
    rnd = random.Random(0)
    vocab = [f"w{i}" for i in range(3000)]
    bases = [" ".join(rnd.choice(vocab) for _ in range(40)) for _ in range(300)]
    records = [rec(f"b{i}", t) for i, t in enumerate(bases)]
    records += [rec(f"e{i}", t.upper() + " ") for i, t in enumerate(bases[:100])]  # exact after normalising
    records += [rec(f"n{i}", _mutate(t, rnd)) for i, t in enumerate(bases[100:300])]  # one word changed
    rnd.shuffle(records[300:])
    rejected: list[Rejection] = []
    d = Dedup(DedupConfig(batch_size=64), on_reject=rejected.append)
    kept = {r["id"] for r in d(records)}
    assert all(f"b{i}" in kept for i in range(300))  # unrelated texts: no false positives
    reasons = {r.id: r.reason for r in rejected}
    assert all(reasons.get(f"e{i}") == "exact_duplicate" for i in range(100))
    near_recall = sum(reasons.get(f"n{i}") == "near_duplicate" for i in range(200)) / 200
    assert near_recall >= 0.95
    assert d.counts.reconciles() and d.counts.n_in == 600


def test_dedup_streams_lazily() -> None:
    """Outputs come out while the input is still being produced: nothing collects it all."""

    def endless():
        for i in itertools.count():
            r = random.Random(i)
            yield rec(f"r{i}", " ".join(f"w{r.randrange(10**6)}" for _ in range(12)))

    d = Dedup(DedupConfig(batch_size=32))
    first = list(itertools.islice(d(endless()), 100))
    assert len(first) == 100 and d.counts.n_in <= 128  # at most one batch read ahead
    for p in (ThinkMix(), Identity(), Quality()):
        assert len(list(itertools.islice(p(endless()), 50))) == 50 and p.counts.n_in == 50


def test_key_index_membership_and_bounded_merge_copies() -> None:
    """The dedup index finds every key it was given, none it was not, and its merges never copy
    more than a fraction of it (numpy reports its buffers to tracemalloc)."""
    import tracemalloc

    import numpy as np
    from agent_rl.sft_data.curate.minhash import KeyIndex

    def batches():  # random 63-bit keys: no repeats in practice, as dedup guarantees
        rng = np.random.default_rng(0)
        for _ in range(120):
            yield rng.integers(1, 2**63, size=(256, 9), dtype=np.uint64)

    index = KeyIndex(chunk_keys=1 << 13, min_tail=1 << 12, tail_div=16)
    tracemalloc.start()
    try:
        for keys in batches():
            assert not index.contains(keys).any()
            index.add(keys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    everything = np.concatenate([k.reshape(-1) for k in batches()])
    assert len(index) == everything.size and index.nbytes == everything.nbytes
    assert index.contains(everything).all()
    assert not index.contains(np.random.default_rng(1).integers(1, 2**63, size=5000, dtype=np.uint64)).any()
    # the index is 2.1 MB; a merge that copied all of it would take the peak past 2x
    assert peak < 1.35 * index.nbytes + (1 << 18), (peak, index.nbytes)
    assert len(index.chunks) > 16 and all(len(c) <= 2 * (1 << 13) for c in index.chunks)
    assert all(a[-1] < b[0] for a, b in zip(index.chunks, index.chunks[1:], strict=False))  # disjoint ranges


# ------------------------------------------------------------------------------- quality
def test_quality_issues() -> None:
    tool = {"type": "function", "function": {"name": "f", "description": "",
            "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}

    def call(name: str, args: str, cid: str = "c0") -> dict:
        return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}

    def conv(*messages: dict) -> dict:
        return {"id": "q", "messages": [{"role": "user", "content": "u"}, *messages], "tools": [tool],
                "source": {"file": "mem", "line": 7, "format": "t"}, "meta": {}}

    a = {"role": "assistant", "content": "done"}
    cases = {
        "undeclared_tool": conv({"role": "assistant", "content": "", "tool_calls": [call("g", "{}")]}),
        "schema_violation": conv({"role": "assistant", "content": "", "tool_calls": [call("f", '{"x": "1"}')]}),
        "missing_tool_result": conv({"role": "assistant", "content": "", "tool_calls": [call("f", '{"x": 1}')]}, a),
        "mismatched_tool_result": conv({"role": "assistant", "content": "", "tool_calls": [call("f", '{"x": 1}')]},
                                       {"role": "tool", "content": "1", "tool_call_id": "zz"}, a),
        "empty_answer": conv({"role": "assistant", "content": "  "}),
        "truncated_answer": conv({"role": "assistant", "content": "```python\nprint(1)"}),
        "ends_without_answer": conv({"role": "assistant", "content": "", "tool_calls": [call("f", '{"x": 1}')]},
                                    {"role": "tool", "content": "1", "tool_call_id": "c0"}),
    }
    q = Quality()
    for issue, record in cases.items():
        assert issue in {i for i, _ in q.check(record)}, issue
    good = conv({"role": "assistant", "content": "", "tool_calls": [call("f", '{"x": 1}')]},
                {"role": "tool", "content": "1", "tool_call_id": "c0", "name": "f"}, a)
    assert q.check(good) == []
    rejected: list[Rejection] = []
    q2 = Quality(QualityConfig(drop=["undeclared_tool"]), on_reject=rejected.append)
    out = list(q2([cases["undeclared_tool"], cases["empty_answer"], good]))
    assert [r.reason for r in rejected] == ["undeclared_tool"] and rejected[0].line == 7
    assert [r["meta"]["quality"]["score"] for r in out] == [0.75, 1.0]
    with pytest.raises(ConfigError, match="allowed"):
        Quality(QualityConfig(drop=["nope"]))


def test_quality_on_fixtures_with_chat_format(chat_format) -> None:
    q = Quality(QualityConfig(roundtrip=True, max_tokens=460), chat_format=chat_format)
    issues = {r["id"]: {i for i, _ in q.check(r)} for r in fixture_records()}
    assert issues["oa-quirks"] == {"schema_violation"}  # unit: null violates the enum/type
    assert issues["glaive:2"] == issues["glaive:14"] == {"too_long"}
    assert all(not v for k, v in issues.items() if k not in ("oa-quirks", "glaive:2", "glaive:14"))


# -------------------------------------------------------------------------------- select
def test_select_keeps_best_under_cluster_caps() -> None:
    records = []
    for i in range(50):  # one big cluster of near-identical prompts, high score
        r = rec(f"dup{i}", "tell me the weather in paris today please")
        r["meta"]["quality"] = {"score": 1.0}
        records.append(r)
    for i in range(100):
        r = rec(f"u{i}", f"unique topic {i} " + "abcdefghij"[i % 10] * (i % 7 + 1) + f" zz{i * 7919}")
        r["meta"]["quality"] = {"score": 0.5 + (i % 2) * 0.25}
        records.append(r)
    rejected: list[Rejection] = []
    s = Select(SelectConfig(n=40, max_cluster_share=0.1, batch_size=16), on_reject=rejected.append)
    kept = list(s(records))
    assert len(kept) == 40 and s.counts.reconciles() and len(rejected) == 110
    assert sum(r["id"].startswith("dup") for r in kept) == 4  # cap = ceil(40 * 0.1)
    uniq = [r for r in kept if r["id"].startswith("u")]
    assert all(r["meta"]["quality"]["score"] == 0.75 for r in uniq)  # best scores win
    assert [r["id"] for r in kept] == [r["id"] for r in records if r["id"] in {k["id"] for k in kept}]


# --------------------------------------------------------------------------------- pairs
def traj(group: str, reward: float, answer: str, termination: str = "terminated") -> dict:
    return {"group": group, "reward": reward, "termination": termination, "error": None, "tools": [],
            "messages": [{"role": "user", "content": f"task {group}"}, {"role": "assistant", "content": answer}]}


def test_pairs_best_vs_worst() -> None:
    ts = [traj("g1", 0.0, "bad"), traj("g2", 1.0, "a"), traj("g1", 1.0, "good"), traj("g2", 1.0, "b"),
          traj("g3", 1.0, "x", "infra_error"), traj("g1", 0.5, "meh"), traj("g3", 0.0, "y")]  # interleaved
    b = PairBuilder()
    pairs = list(b.run(ts))
    assert len(pairs) == 1
    p = pairs[0]
    assert p["chosen"][0]["content"] == "good" and p["rejected"][0]["content"] == "bad"
    assert p["margin"] == 1.0 and p["rule"] == "best_vs_worst_reward" and p["prompt"][0]["role"] == "user"
    assert b.counts.notes["group_equal_rewards"] == 1 and b.counts.notes["group_single_sample"] == 1
    # counted in trajectories: 7 in = 2 used in the pair + 5 not used (by reason)
    assert dict(b.counts.rejected) == {"failed_episode": 1, "between_best_and_worst": 1,
                                       "group_equal_rewards": 2, "group_single_sample": 1}
    assert b.counts.reconciles() and b.counts.n_in == 7 and b.counts.n_out == 2
    assert b.counts.notes["pairs_written"] == 1 and b.counts.n_added == 0
    # with the group size known, a complete group is paired at once (nothing waits for the end)
    b = PairBuilder(PairsConfig(group_size=2))
    stream = b.run(iter([traj("a", 1, "x"), traj("a", 0, "z"), traj("b", 0, "y")]))
    assert next(stream)["group"] == "a" and b.counts.n_in == 2
    with pytest.raises(DataError, match="more than group_size=2"):
        list(PairBuilder(PairsConfig(group_size=2)).run([traj("a", 1, "x"), traj("a", 0, "z"), traj("a", 0, "w")]))


@pytest.mark.slow
def test_pairs_from_real_rollouts(tmp_path: Path) -> None:
    """`agent-rl rollout` output (groups interleaved as episodes finish) -> `agent-rl sft pairs`."""
    pytest.importorskip("agent_rl.rollout", reason="agent_rl.rollout not available")
    from typer.testing import CliRunner

    from agent_rl.cli.main import app as main_app

    runner = CliRunner()
    for policy, k in (("oracle", 2), ("tiny", 2)):
        r = runner.invoke(main_app, ["rollout", "--env", "agent_rl/Math-v0", "--policy", policy, "--n", "3",
                                     "--group-size", str(k), "--max-tokens", "16", "--no-progress",
                                     "--out", str(tmp_path / f"{policy}.jsonl")])
        assert r.exit_code == 0, r.output
    out = tmp_path / "pairs.jsonl"
    r = runner.invoke(main_app, ["sft", "pairs", str(tmp_path / "oracle.jsonl"), str(tmp_path / "tiny.jsonl"),
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(pairs) == 3 and {p["group"] for p in pairs} == {f"agent_rl/Math-v0#{i}" for i in range(3)}
    for p in pairs:  # the oracle's answer is chosen over the untrained tiny model's
        assert p["chosen_reward"] == 1.0 and p["rejected_reward"] == 0.0 and p["margin"] == 1.0
        assert "\\boxed" in p["chosen"][-1]["content"] and p["prompt"][-1]["role"] == "user"
    assert "pairs: 12 in = 6 out + 6 rejected  ok" in r.output  # trajectories: 2 per pair


# ------------------------------------------------------------------------------ pipeline
def test_pipeline_config_errors() -> None:
    base = {"inputs": ["x.jsonl"], "output": "o.jsonl"}
    with pytest.raises(ConfigError, match="unknown pass 'dedupe'; allowed: quality, identity"):
        parse_config({**base, "passes": [{"dedupe": {}}]})
    with pytest.raises(ConfigError, match=r"dedup\.band: unknown option 'band'; allowed: exact, near"):
        parse_config({**base, "passes": [{"dedup": {"band": 4}}]})
    with pytest.raises(ConfigError, match=r"think_mix\.share: expected float"):
        parse_config({**base, "passes": [{"think_mix": {"share": "half"}}]})
    with pytest.raises(ConfigError, match="unknown key 'ouput'"):
        parse_config({"inputs": ["x"], "ouput": "o"})
    with pytest.raises(ConfigError, match="from"):
        parse_config({**base, "from": "alpaca"})


def test_pipeline_end_to_end(tmp_path: Path) -> None:
    cfg = parse_config({
        "inputs": [str(p) for p in sorted(FIXTURES.glob("*.json*"))],
        "output": str(tmp_path / "out.jsonl"),
        "rejects": str(tmp_path / "rej.jsonl"),
        "passes": [{"quality": {}}, {"identity": {"qa_count": 4}}, {"dedup": {}}, {"think_mix": {"share": 0.5}},
                   {"select": {"n": 10, "max_cluster_share": 0.5}}],
    })
    counts = run_pipeline(cfg)
    assert all(c.reconciles() for c in counts), [c.to_dict() for c in counts]
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    rej = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert len(out) == 10 == counts[-1].n_out
    source = counts[0]
    assert source.n_in + 4 == len(out) + len(rej)  # every input (+ generated Q&A) accounted for
    assert {r["stage"] for r in rej} >= {"convert", "quality", "select"}
