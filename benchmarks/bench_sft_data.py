"""Benchmark: conversion and dedup throughput on generated records, and memory as input grows.

Generates N synthetic records in five public formats (openai, sharegpt, xlam, glaive,
toolace; JSONL files, with ~10% near-duplicates), then measures in one process:
- baseline: plain `json.loads` + `json.dumps` of every line of the same files;
- conversion: `sft_data.convert_files(..., "auto")` to canonical JSONL;
- dedup: `Dedup` (exact + MinHash LSH) over the canonical file.
Peak RSS is taken from two child processes, at N/10 and at N records, so the ratio shows
whether memory stays flat as the input grows.

    python benchmarks/bench_sft_data.py            # N = 1,000,000
    python benchmarks/bench_sft_data.py --n 100000
    python benchmarks/bench_sft_data.py --quick    # N = 20,000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ["weather", "city", "price", "stock", "flight", "hotel", "convert", "currency", "translate", "search", "book", "order", "status", "account", "balance", "schedule", "meeting", "email", "calendar", "distance", "route", "traffic", "news", "recipe", "movie", "music", "weight", "height", "temperature", "forecast", "population", "capital"]
CITIES = ["Paris", "Rome", "Oslo", "Lima", "Tokyo", "Cairo", "Delhi", "Quito", "Berlin", "Madrid"]
SPEC = {"name": "get_weather", "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                       "required": ["city"]}}


def _question(rnd: random.Random, i: int) -> str:
    words = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 30)))
    return f"Request {i}: {words} for {rnd.choice(CITIES)} in {rnd.randint(1, 9)} days?"


def _record(fmt: str, rnd: random.Random, i: int, q: str) -> dict:
    city, days = rnd.choice(CITIES), rnd.randint(1, 9)
    args = {"city": city, "days": days}
    if fmt == "openai":
        return {"id": f"o{i}", "tools": [{"type": "function", "function": SPEC}], "messages": [
            {"role": "system", "content": "You are helpful."}, {"role": "user", "content": q},
            {"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": json.dumps(args)}}]},
            {"role": "tool", "content": json.dumps({"temp": rnd.randint(-5, 35)})},
            {"role": "assistant", "content": f"It will be fine in {city}."}]}
    if fmt == "sharegpt":
        return {"tools": json.dumps([SPEC]), "conversations": [
            {"from": "human", "value": q}, {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": args})},
            {"from": "observation", "value": json.dumps({"temp": 20})}, {"from": "gpt", "value": f"Sunny in {city}."}]}
    if fmt == "xlam":
        return {"id": i, "query": q, "tools": json.dumps([{"name": "get_weather", "description": "Weather.",
                "parameters": {"city": {"type": "str", "description": "City"}, "days": {"type": "int, optional", "default": 1}}}]),
                "answers": json.dumps([{"name": "get_weather", "arguments": args}])}
    if fmt == "glaive":
        return {"system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n" + json.dumps(SPEC, indent=4),
                "chat": f"USER: {q}\n\n\nASSISTANT: <functioncall> {{\"name\": \"get_weather\", \"arguments\": '{json.dumps(args)}'}} <|endoftext|>\n\n\n"
                        f"FUNCTION RESPONSE: {{\"temp\": 20}}\n\n\nASSISTANT: Warm in {city}. <|endoftext|>\n"}
    return {"system": "You are an expert in composing functions. Here is a list of functions in JSON format that you can invoke:\n" + json.dumps([SPEC]) + ".",
            "conversations": [{"from": "user", "value": q}, {"from": "assistant", "value": f'[get_weather(city="{city}", days={days})]'},
                              {"from": "tool", "value": json.dumps([{"name": "get_weather", "results": {"temp": 20}}])},
                              {"from": "assistant", "value": f"Nice in {city}."}]}


FORMATS = {"openai": 0.3, "sharegpt": 0.2, "xlam": 0.2, "glaive": 0.15, "toolace": 0.15}


def generate(n: int, folder: Path, seed: int = 0) -> list[Path]:
    rnd = random.Random(seed)
    paths = {f: folder / f"{f}.jsonl" for f in FORMATS}
    handles = {f: p.open("w") for f, p in paths.items()}
    names, weights = list(FORMATS), list(FORMATS.values())
    recent: list[str] = []
    for i in range(n):
        fmt = rnd.choices(names, weights)[0]
        if recent and rnd.random() < 0.1:  # near-duplicate of a recent question
            q = rnd.choice(recent).replace("?", " please?")
        else:
            q = _question(rnd, i)
            recent = [*recent, q][-1000:]
        handles[fmt].write(json.dumps(_record(fmt, rnd, i, q)) + "\n")
    for h in handles.values():
        h.close()
    return list(paths.values())


def child(n: int) -> dict:
    from sft_data import convert_files, iter_records
    from sft_data.curate import Dedup

    with tempfile.TemporaryDirectory(prefix="bench-sft-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        files = generate(n, folder)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        lines = 0
        with open(folder / "baseline.jsonl", "w") as out:
            for p in files:
                with p.open() as fh:
                    for line in fh:
                        out.write(json.dumps(json.loads(line)) + "\n")
                        lines += 1
        t_base = time.perf_counter() - t0
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        summary = convert_files(files, "auto", out=folder / "canonical.jsonl", rejects=folder / "rej.jsonl")
        t_conv = time.perf_counter() - t0
        assert summary.reconciles() and summary.total.n_in == n
        d = Dedup()
        t0 = time.perf_counter()
        kept = sum(1 for _ in d(r for _, r in iter_records(folder / "canonical.jsonl")))
        t_dedup = time.perf_counter() - t0
        return {
            "n": n, "generate_s": t_gen, "baseline_s": t_base, "convert_s": t_conv, "dedup_s": t_dedup,
            "baseline_rps": lines / t_base, "convert_rps": n / t_conv, "dedup_rps": summary.total.n_out / t_dedup,
            "converted": summary.total.n_out, "rejected": summary.total.n_rejected, "kept": kept,
            "exact_dups": d.counts.rejected["exact_duplicate"], "near_dups": d.counts.rejected["near_duplicate"],
            "index_mb": d.counts.notes["index_bytes"] / 2**20,
            "rss_before_convert_mb": rss_before / 1024,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="N = 20,000")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    n = 20_000 if args.quick else args.n
    if args.child:
        print(json.dumps(child(n)))
        return
    results = []
    for size in (max(1000, n // 10), n):
        proc = subprocess.run([sys.executable, __file__, "--child", "--n", str(size)],
                              capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    small, big = results
    for r in results:
        print(f"N={r['n']:>9,}: baseline json.loads+dumps {r['baseline_rps']:>9,.0f} rec/s | "
              f"convert {r['convert_rps']:>8,.0f} rec/s ({r['convert_rps'] / r['baseline_rps']:.2f}x baseline) | "
              f"dedup {r['dedup_rps']:>8,.0f} rec/s | convert+dedup {r['convert_s'] + r['dedup_s']:.1f} s | "
              f"peak RSS {r['peak_rss_mb']:.0f} MB (index {r['index_mb']:.1f} MB) | "
              f"kept {r['kept']:,}, exact dups {r['exact_dups']:,}, near dups {r['near_dups']:,}, rejected {r['rejected']:,}")
    print(f"peak RSS ratio N={big['n']:,} / N={small['n']:,}: {big['peak_rss_mb'] / small['peak_rss_mb']:.2f} "
          f"(input ratio {big['n'] / small['n']:.0f}x)")
    print(f"convert+dedup of {big['n']:,} records: {big['convert_s'] + big['dedup_s']:.1f} s "
          f"(goal: 1,000,000 in < 600 s on 2 cores)")


if __name__ == "__main__":
    main()
