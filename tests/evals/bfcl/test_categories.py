"""Category groups and BFCL's summary formula, checked against bfcl-eval's own helpers."""

from __future__ import annotations

import random

import pytest
from agent_rl.evals.bfcl.categories import ALL_SCORING, ENTRY_COUNTS, expand, summary

from agent_rl.errors import ConfigError


def test_expand_groups_and_unknown_names() -> None:
    assert expand(["simple,multi_turn"])[:2] == ["simple_python", "multi_turn_base"]
    with pytest.raises(ConfigError, match="unknown BFCL category 'nope'"):
        expand(["nope"])


def test_summary_matches_bfcl_eval_formula() -> None:
    pytest.importorskip("pandas")
    from agent_rl.evals.bfcl import upstream

    upstream.ensure_importable()
    helper = pytest.importorskip("bfcl_eval.eval_checker.eval_runner_helper")
    rng = random.Random(3)
    run = {
        c: {"accuracy": rng.random(), "total": rng.randint(10, 400)}
        for c in ALL_SCORING
        if c not in ("memory_vector", "web_search_base")
    }
    ours = summary(run)

    def score(c: str) -> dict:
        if c in run:
            return {
                "accuracy": run[c]["accuracy"],
                "total_count": run[c]["total"],
                "display_accuracy": run[c]["accuracy"],
            }
        return {"accuracy": 0, "total_count": ENTRY_COUNTS[c], "display_accuracy": "N/A"}

    un, w = helper.calculate_unweighted_accuracy, helper.calculate_weighted_accuracy
    simple = un([score("simple_python"), score("simple_java"), score("simple_javascript")])
    non_live = un([simple, score("multiple"), score("parallel"), score("parallel_multiple")], False)
    live = w(
        [
            score(c)
            for c in ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
        ],
        False,
    )
    irr = un([score("irrelevance"), score("live_irrelevance")])
    mt = un(
        [
            score(c)
            for c in (
                "multi_turn_base",
                "multi_turn_miss_func",
                "multi_turn_miss_param",
                "multi_turn_long_context",
            )
        ],
        False,
    )
    agentic = un(
        [
            un([score("web_search_base"), score("web_search_no_snippet")]),
            un([score("memory_kv"), score("memory_vector"), score("memory_rec_sum")]),
        ],
        False,
    )
    overall = helper.calculate_percentage_weighted_accuracy(
        [non_live, live, irr, mt, agentic], [10, 10, 10, 30, 40], False
    )
    assert ours["overall"]["accuracy"] == pytest.approx(overall["accuracy"])
    assert ours["live"]["accuracy"] == pytest.approx(live["accuracy"])
    assert ours["overall"]["partial"] and ours["agentic"]["partial"]
    assert not ours["live"]["partial"]
