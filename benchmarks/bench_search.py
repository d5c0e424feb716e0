"""Benchmark: search retrieval and search sessions, each against a baseline in the same run.

1. BM25 queries per second on a generated corpus (100k documents; fictional words with a
   Zipf-like frequency): `BM25Retriever` (bm25s) in-process, and over HTTP through
   `agent-rl serve retriever`'s app (uvicorn on 127.0.0.1; one query per request, and batches
   of 32), against rank_bm25 (`reference_bm25`: rank_bm25's BM25Okapi with the same Lucene
   idf) on the same queries with the same top-k; the top-k agreement is printed too.
2. Env step latency of `agent_rl/SearchSession-v0` (a search step and an answer step).
3. 64 sessions run concurrently against one at a time through the rollout engine, the policy
   playing the env's reference actions after a fixed latency (like a model server, 50 ms).

    python benchmarks/bench_search.py [--quick] [--docs 100000] [--sessions 64]

Targets (TARGETS.md): BM25 >= 50x in-process and >= 10x over HTTP; sessions >= 20x.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import socket
import statistics
import threading
import time
from collections.abc import Sequence
from typing import Any

from agent_rl.envs.search.world import SYLLABLES as WORLD_SYLLABLES

# The world model's own name syllables (the first 20: the corpus this benchmark always used).
SYLLABLES = WORLD_SYLLABLES[:20]


def make_corpus(n_docs: int, seed: int = 0) -> Any:
    """`n_docs` documents of 20-60 words drawn Zipf-like from a 20k-word fictional vocabulary."""
    from agent_rl.envs.search.corpus import Corpus, Document

    rng = random.Random(seed)
    vocab = list(
        dict.fromkeys(
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(40_000)
        )
    )[:20_000]
    cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    docs = []
    for i in range(n_docs):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(20, 60))
        docs.append(Document(id=f"d{i}", title=words[0].capitalize(), text=" ".join(words)))
    return Corpus(docs)


def make_queries(corpus: Any, n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choice(corpus.documents).text.split()
        out.append(" ".join(rng.sample(words, rng.randint(2, 5))))
    return out


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(retriever: Any) -> tuple[str, Any]:
    import uvicorn
    from agent_rl.envs.search.server import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(retriever), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def bench_bm25(n_docs: int, n_queries: int, n_baseline: int, k: int) -> None:
    from agent_rl.envs.search.bm25 import (
        BM25Retriever,
        document_terms,
        index_tokens,
        reference_bm25,
    )
    from agent_rl.envs.search.http import HTTPRetriever

    gen_s, corpus = timed(lambda: make_corpus(n_docs))
    queries = make_queries(corpus, n_queries)
    print(f"corpus: {n_docs} docs generated in {gen_s:.1f} s; {n_queries} queries, top-{k}")
    build_s, ours = timed(lambda: BM25Retriever(corpus, cache_dir=False))
    terms = document_terms(corpus)
    ref_build_s, ref = timed(lambda: reference_bm25(terms))
    print(f"index build: bm25s {build_s:.1f} s, rank_bm25 {ref_build_s:.1f} s")

    base = queries[:n_baseline]

    def run_ref() -> list[list[int]]:
        out = []
        for q in base:
            scores = ref.get_scores(index_tokens(q))
            top = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
            out.append([i for i in top if scores[i] > 0])
        return out

    ref_s, ref_top = timed(run_ref)
    ref_qps = len(base) / ref_s
    ours.search_batch(queries[:8], k)  # warm-up
    one_s, _ = timed(lambda: [ours.search(q, k) for q in queries])
    batch_s, ours_top = timed(lambda: ours.search_batch(queries, k))
    one_qps, batch_qps = len(queries) / one_s, len(queries) / batch_s

    ids = [d.id for d in corpus]
    same = same_scores = 0
    for q, hits, top in zip(base, ours_top[: len(base)], ref_top, strict=True):
        same += [h.doc_id for h in hits] == [ids[i] for i in top]
        # rank_bm25 scores are (k1 + 1) = 2.5 x Lucene's: equal score lists mean only ties moved
        ref_scores = ref.get_scores(index_tokens(q))
        want = [float(ref_scores[i]) for i in top]
        mine = [h.score * 2.5 for h in hits]  # bm25s scores in float32: compare to 1e-5
        same_scores += len(mine) == len(want) and all(
            abs(a - b) <= 1e-5 * max(1.0, abs(b)) for a, b in zip(mine, want, strict=True)
        )
    print(
        f"top-{k} vs rank_bm25: same ids in the same order on {same}/{len(base)} queries, "
        f"same score lists (ties may swap) on {same_scores}/{len(base)}"
    )

    url, server = start_server(ours)
    try:
        client = HTTPRetriever(url)
        client.search_batch(queries[:8], k)
        n_http = min(len(queries), 500)
        http_one_s, _ = timed(lambda: [client.search(q, k) for q in queries[:n_http]])
        http_batch_s, _ = timed(
            lambda: [
                client.search_batch(queries[i : i + 32], k) for i in range(0, len(queries), 32)
            ]
        )
        client.close()
    finally:
        server.should_exit = True
    http_one_qps, http_batch_qps = n_http / http_one_s, len(queries) / http_batch_s
    print(f"rank_bm25 (baseline)             {ref_qps:10.1f} q/s  ({len(base)} queries)")
    print(f"bm25s in-process, one query/call {one_qps:10.1f} q/s  {one_qps / ref_qps:7.1f}x")
    print(f"bm25s in-process, one batch      {batch_qps:10.1f} q/s  {batch_qps / ref_qps:7.1f}x")
    print(
        f"HTTP, one query per request      {http_one_qps:10.1f} q/s  {http_one_qps / ref_qps:7.1f}x"
    )
    print(
        f"HTTP, 32 queries per request     {http_batch_qps:10.1f} q/s  {http_batch_qps / ref_qps:7.1f}x"
    )


def bench_steps(n: int) -> None:
    from agent_rl.envs import tool_call
    from agent_rl.envs.search.env import SearchSessionEnv

    env = SearchSessionEnv(split="all")
    search_ms, answer_ms = [], []
    for i, task in enumerate(env.tasks[:n]):
        env.reset(options={"task": task})
        call = {
            "role": "assistant",
            "content": "",
            "tool_calls": [tool_call("search", {"query": task.prompt}, f"c{i}")],
        }
        t, _ = timed(lambda call=call: env.step(call))
        search_ms.append(t * 1000)
        t, _ = timed(lambda: env.step({"role": "assistant", "content": "Answer: unknown"}))
        answer_ms.append(t * 1000)
    print(
        f"env step latency over {len(search_ms)} sessions: search step median "
        f"{statistics.median(search_ms):.2f} ms (p90 {sorted(search_ms)[int(0.9 * len(search_ms))]:.2f}), "
        f"answer step median {statistics.median(answer_ms):.2f} ms"
    )


class LaggedOracle:
    """Plays the env's reference action after `latency_s` (a model server's response time)."""

    def __init__(self, chat_format: Any, latency_s: float) -> None:
        self.cf, self.latency_s = chat_format, latency_s

    async def generate(self, prompt_ids: Sequence[int], params: Any, context: Any) -> Any:
        from agent_rl.rollout import Generation

        await asyncio.sleep(self.latency_s)
        ids = self.cf.encode_completion(context.reference(), thinking=False)
        return Generation(list(ids), [0.0] * len(ids), "", "stop")


def bench_sessions(n_sessions: int, latency: float) -> None:
    from agent_rl.envs.search.env import SearchSessionEnv

    from agent_rl.chat_format import get_chat_format
    from agent_rl.rollout import RolloutEngine, RolloutLimits

    cf = get_chat_format("deepseek_v31")
    tasks = [t.to_dict() for t in SearchSessionEnv(split="all").tasks[:n_sessions]]
    limits = RolloutLimits(max_turns=24, max_tokens_per_turn=4096, max_total_tokens=8192)

    def run(concurrency: int) -> tuple[float, list[Any]]:
        engine = RolloutEngine(
            "agent_rl/SearchSession-v0",
            LaggedOracle(cf, latency),
            cf,
            limits,
            concurrency=concurrency,
        )
        return timed(lambda: engine.run(tasks=tasks, group_size=1))

    seq_s, seq = run(1)
    con_s, con = run(n_sessions)
    steps = sum(t.num_turns for t in con)
    ok = all(t.reward == 1.0 for t in seq + con)
    print(
        f"{n_sessions} sessions ({steps} steps, policy {latency * 1000:.0f} ms): one at a time "
        f"{seq_s:.1f} s, {n_sessions} concurrent {con_s:.2f} s -> {seq_s / con_s:.1f}x "
        f"(all rewards 1.0: {ok})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k docs, 16 sessions")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--baseline-queries", type=int, default=40, help="rank_bm25 is slow")
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.050)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    if args.quick:
        args.docs, args.queries, args.baseline_queries, args.sessions = 10_000, 200, 40, 16
    bench_bm25(args.docs, args.queries, args.baseline_queries, args.k)
    bench_steps(100)
    bench_sessions(args.sessions, args.latency)


if __name__ == "__main__":
    main()
