"""Benchmark: conversion and dedup throughput on generated records, and memory as input grows.

Generates N synthetic records in five public formats (openai, sharegpt, xlam, glaive,
toolace; JSONL files, ~10% near-duplicates) for each input size, then runs each stage in its
own child process, so each peak RSS belongs to that stage alone:
- baseline: plain `json.loads` + `json.dumps` of every line of the same files (the named
  baseline the conversion rate is compared with);
- convert: `agent_rl.sft_data.convert_files(..., "auto")` to canonical JSONL;
- dedup: `Dedup` (exact + MinHash LSH) over the canonical file.
Memory is reported as peak RSS and as peak minus the RSS right after the imports (the work
itself). Conversion holds nothing per record, so its work memory must not grow with N;
dedup keeps 8 bytes per key (1 exact + 8 band keys per kept record) plus merges of at most
1/8 of that, so its growth should track the printed index size. Times on a shared machine
depend on its load: the 1-minute load average is printed with each row.

    python benchmarks/bench_sft_data.py                       # sizes 100k, 300k, 1M
    python benchmarks/bench_sft_data.py --sizes 20000,100000,200000
    python benchmarks/bench_sft_data.py --quick               # sizes 5k, 20k
"""

from __future__ import annotations

import argparse
import json
import os
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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(name: str, folder: Path) -> dict:
    """One stage in this (child) process; peak RSS is this stage's alone."""
    files = sorted(folder.glob("*.jsonl"))
    files = [f for f in files if f.stem in FORMATS]
    if name == "baseline":
        start_rss = _rss_mb()
        t0 = time.perf_counter()
        n = 0
        with open(folder / "baseline.out", "w") as out:
            for p in files:
                with p.open() as fh:
                    for line in fh:
                        out.write(json.dumps(json.loads(line)) + "\n")
                        n += 1
        return {"n": n, "s": time.perf_counter() - t0, "start_rss": start_rss, "peak_rss": _rss_mb()}
    if name == "convert":
        from agent_rl.sft_data import convert_files

        start_rss = _rss_mb()
        t0 = time.perf_counter()
        summary = convert_files(files, "auto", out=folder / "canonical.jsonl", rejects=folder / "rej.jsonl")
        elapsed = time.perf_counter() - t0
        if not summary.reconciles():
            raise SystemExit("conversion counts do not reconcile")
        return {"n": summary.total.n_in, "out": summary.total.n_out, "rejected": summary.total.n_rejected,
                "s": elapsed, "start_rss": start_rss, "peak_rss": _rss_mb()}
    from agent_rl.sft_data import iter_records
    from agent_rl.sft_data.curate import Dedup

    d = Dedup()
    start_rss = _rss_mb()
    t0 = time.perf_counter()
    kept = sum(1 for _ in d(r for _, r in iter_records(folder / "canonical.jsonl")))
    return {"n": d.counts.n_in, "s": time.perf_counter() - t0, "kept": kept,
            "exact": d.counts.rejected["exact_duplicate"], "near": d.counts.rejected["near_duplicate"],
            "index_mb": (d.exact_index.nbytes + d.band_index.nbytes) / 2**20,
            "start_rss": start_rss, "peak_rss": _rss_mb()}


def run_stage(name: str, folder: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--stage", name, "--dir", str(folder)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"stage {name} failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load"] = os.getloadavg()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,300000,1000000", help="Comma-separated input sizes.")
    ap.add_argument("--quick", action="store_true", help="sizes 5,000 and 20,000")
    ap.add_argument("--stage", choices=["baseline", "convert", "dedup"], help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:
        print(json.dumps(stage(args.stage, args.dir)))
        return
    sizes = [5000, 20000] if args.quick else [int(x) for x in args.sizes.split(",")]
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-sft-") as tmp:
            folder = Path(tmp)
            generate(n, folder)
            base, conv, dd = (run_stage(s, folder) for s in ("baseline", "convert", "dedup"))
        rows.append((n, base, conv, dd))
        print(f"N={n:>9,} | baseline json.loads+dumps {base['n'] / base['s']:>8,.0f} rec/s | "
              f"convert {conv['n'] / conv['s']:>7,.0f} rec/s ({conv['n'] / conv['s'] / (base['n'] / base['s']):.2f}x "
              f"baseline), peak RSS {conv['peak_rss']:.0f} MB (work {conv['peak_rss'] - conv['start_rss']:.0f} MB) | "
              f"dedup {dd['n'] / dd['s']:>7,.0f} rec/s, peak RSS {dd['peak_rss']:.0f} MB "
              f"(work {dd['peak_rss'] - dd['start_rss']:.0f} MB, index {dd['index_mb']:.1f} MB) | "
              f"kept {dd['kept']:,}, exact {dd['exact']:,}, near {dd['near']:,}, rejected {conv['rejected']:,} | "
              f"load {dd['load']:.1f}", flush=True)
    (n0, _, c0, d0), (n1, _, c1, d1) = rows[0], rows[-1]
    print(f"input x{n1 / n0:.0f} ({n0:,} -> {n1:,}): convert work memory {c0['peak_rss'] - c0['start_rss']:.0f} -> "
          f"{c1['peak_rss'] - c1['start_rss']:.0f} MB; dedup work memory {d0['peak_rss'] - d0['start_rss']:.0f} -> "
          f"{d1['peak_rss'] - d1['start_rss']:.0f} MB while its index grew {d0['index_mb']:.1f} -> {d1['index_mb']:.1f} MB")
    total = c1["s"] + d1["s"]
    if n1 >= 1_000_000:
        print(f"convert+dedup of {n1:,} records: {total:.0f} s measured (goal: 1,000,000 in < 600 s on 2 cores)")
    else:
        print(f"convert+dedup of {n1:,} records: {total:.0f} s; linear EXTRAPOLATION to 1,000,000: "
              f"{total * 1_000_000 / n1:.0f} s (not measured; dedup lookups grow slowly with the index; "
              f"goal < 600 s on 2 cores)")


if __name__ == "__main__":
    main()
