"""BFCL V4 categories: which ones this project runs, why the others are not run, and BFCL's
summary formula (`bfcl_eval.eval_checker.eval_runner_helper.generate_leaderboard_csv`).

The formula, as bfcl-eval computes its "Overall Acc":
- non-live = unweighted mean of [simple (mean of python, java, javascript), multiple,
  parallel, parallel_multiple];
- live = mean of live_simple, live_multiple, live_parallel, live_parallel_multiple weighted
  by their entry counts;
- irrelevance = unweighted mean of irrelevance and live_irrelevance;
- multi-turn = unweighted mean of base, miss_func, miss_param, long_context;
- agentic = unweighted mean of [web search (base, no_snippet), memory (kv, vector, rec_sum)];
- overall = 10% non-live + 10% live + 10% irrelevance + 30% multi-turn + 40% agentic.

A category that was not run counts as 0 in every mean (as in BFCL) and is shown as "N/A";
every aggregate that contains one is shown with a "(partial)" mark, so a reader never takes
a partial overall for the leaderboard's number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agent_rl.errors import ConfigError

AST_CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
)
RELEVANCE_CATEGORIES = ("irrelevance", "live_irrelevance", "live_relevance")
MULTI_TURN_CATEGORIES = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)
MEMORY_CATEGORIES = ("memory_kv", "memory_rec_sum")
RUNNABLE = AST_CATEGORIES + RELEVANCE_CATEGORIES + MULTI_TURN_CATEGORIES + MEMORY_CATEGORIES

NOT_RUN: dict[str, str] = {
    "simple_java": "Java answers need BFCL's Java type converters; this checker covers Python",
    "simple_javascript": (
        "JavaScript answers need BFCL's JS type converters; this checker covers Python"
    ),
    "web_search_base": "needs the network (BFCL's WebSearchAPI calls SerpAPI)",
    "web_search_no_snippet": "needs the network (BFCL's WebSearchAPI calls SerpAPI)",
    "memory_vector": "needs a hub embedding model (sentence-transformers), not downloadable here",
}

ALL_SCORING = (
    *AST_CATEGORIES[:4],
    "simple_java",
    "simple_javascript",
    "irrelevance",
    *AST_CATEGORIES[4:],
    "live_irrelevance",
    "live_relevance",
    *MULTI_TURN_CATEGORIES,
    "web_search_base",
    "web_search_no_snippet",
    "memory_kv",
    "memory_vector",
    "memory_rec_sum",
)

GROUPS: dict[str, tuple[str, ...]] = {
    "all": ALL_SCORING,
    "runnable": RUNNABLE,
    "ast": AST_CATEGORIES,
    "python": AST_CATEGORIES + RELEVANCE_CATEGORIES,
    "non_live": ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance"),
    "live": (*AST_CATEGORIES[4:], "live_irrelevance", "live_relevance"),
    "single_turn": AST_CATEGORIES + RELEVANCE_CATEGORIES,
    "multi_turn": MULTI_TURN_CATEGORIES,
    "memory": ("memory_kv", "memory_vector", "memory_rec_sum"),
    "web_search": ("web_search_base", "web_search_no_snippet"),
}

# Entry counts of categories that were not run (BFCL still counts them in weighted means).
ENTRY_COUNTS = {
    "simple_java": 100,
    "simple_javascript": 50,
    "web_search_base": 100,
    "web_search_no_snippet": 100,
    "memory_kv": 155,
    "memory_vector": 155,
    "memory_rec_sum": 155,
}


def expand(names: Iterable[str]) -> list[str]:
    """Category names and group names (`all`, `python`, `multi_turn`, ...) -> categories.

    Raises:
        ConfigError: naming an unknown category and the known ones.
    """
    out: list[str] = []
    for raw in names:
        for name in (n.strip() for n in str(raw).split(",")):
            if not name:
                continue
            if name == "simple":
                name = "simple_python"
            found = GROUPS.get(name, (name,) if name in ALL_SCORING else None)
            if found is None:
                raise ConfigError(
                    f"unknown BFCL category {name!r}; categories: {', '.join(ALL_SCORING)}; "
                    f"groups: {', '.join(GROUPS)}",
                    key="categories",
                )
            out.extend(c for c in found if c not in out)
    if not out:
        raise ConfigError("no categories given", key="categories")
    return out


def _score(results: Mapping[str, Mapping[str, Any]], category: str) -> dict[str, Any]:
    row = results.get(category)
    if row is None or row.get("accuracy") is None:
        count = row.get("total", 0) if row else ENTRY_COUNTS.get(category, 0)
        return {"accuracy": 0.0, "total_count": count or ENTRY_COUNTS.get(category, 0), "na": True}
    return {"accuracy": float(row["accuracy"]), "total_count": int(row["total"]), "na": False}


def _unweighted(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "accuracy": sum(p["accuracy"] for p in parts) / len(parts),
        "total_count": sum(p["total_count"] for p in parts),
        "na": any(p["na"] for p in parts),
    }


def _weighted(parts: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum(p["total_count"] for p in parts)
    acc = sum(p["accuracy"] * p["total_count"] for p in parts) / total if total else 0.0
    return {"accuracy": acc, "total_count": total, "na": any(p["na"] for p in parts)}


def summary(results: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """BFCL's aggregate scores from per-category results `{cat: {"accuracy", "total"}}`.

    Each aggregate is `{"accuracy", "total_count", "partial"}`; `partial` is True when a
    category inside it was not run (counted as 0, as bfcl-eval does).
    """
    s = {c: _score(results, c) for c in ALL_SCORING}
    simple = _unweighted([s["simple_python"], s["simple_java"], s["simple_javascript"]])
    non_live = _unweighted([simple, s["multiple"], s["parallel"], s["parallel_multiple"]])
    live = _weighted([s[c] for c in AST_CATEGORIES[4:]])
    irrelevance = _unweighted([s["irrelevance"], s["live_irrelevance"]])
    multi_turn = _unweighted([s[c] for c in MULTI_TURN_CATEGORIES])
    web = _unweighted([s["web_search_base"], s["web_search_no_snippet"]])
    memory = _unweighted([s["memory_kv"], s["memory_vector"], s["memory_rec_sum"]])
    agentic = _unweighted([web, memory])
    parts = [non_live, live, irrelevance, multi_turn, agentic]
    weights = [10, 10, 10, 30, 40]
    overall = {
        "accuracy": sum(p["accuracy"] * w for p, w in zip(parts, weights, strict=True))
        / sum(weights),
        "total_count": sum(p["total_count"] for p in parts),
        "na": any(p["na"] for p in parts),
    }
    named = {
        "overall": overall,
        "non_live": non_live,
        "non_live_simple": simple,
        "live": live,
        "irrelevance": irrelevance,
        "relevance": s["live_relevance"],
        "multi_turn": multi_turn,
        "agentic": agentic,
        "web_search": web,
        "memory": memory,
    }
    return {
        k: {"accuracy": v["accuracy"], "total_count": v["total_count"], "partial": v["na"]}
        for k, v in named.items()
    }
