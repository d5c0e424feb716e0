"""Benchmark 1: the V3.1 chat format.

(a) render + encode (with masks) + parse throughput in conversations/s, against the baseline
    `tokenizer.apply_chat_template(..., tokenize=True)` with the official template (HF jinja
    render + tokenize, no masks, no parse);
(b) the cost of appending turn 50 against turn 1 of a growing episode with
    `encode_observation` (goal: flat, ratio <= 1.2), against the baseline of re-encoding the
    whole history every turn with `tokenizer.encode(render(history))`.

Run: `python benchmarks/bench_chat_format.py [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

from agent_rl.chat_format import get_chat_format


def _conversation(rng: random.Random, turns: int) -> list[dict]:
    msgs: list[dict] = [{"role": "system", "content": "You are a careful math tutor."}]
    for t in range(turns):
        a, b = rng.randint(1, 999), rng.randint(1, 999)
        msgs.append({"role": "user", "content": f"Turn {t}: what is {a} * {b}? Show the steps."})
        args = json.dumps({"expression": f"{a} * {b}"})
        msgs.append(
            {
                "role": "assistant",
                "content": "Let me compute that.",
                "tool_calls": [
                    {
                        "id": "c",
                        "type": "function",
                        "function": {"name": "calculator", "arguments": args},
                    }
                ],
            }
        )
        msgs.append({"role": "tool", "content": json.dumps({"result": a * b})})
        msgs.append(
            {
                "role": "assistant",
                "content": f"{a} * {b} = {a * b}. The answer is \\boxed{{{a * b}}}.",
            }
        )
    return msgs


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer conversations and repeats")
    opts = ap.parse_args()
    n_conv, repeats = (100, 30) if opts.quick else (400, 200)

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the baseline's long-sequence warning is expected
    fmt = get_chat_format("deepseek_v31")
    tok = fmt.tokenizer
    tools = [
        {
            "type": "function",
            "function": {
                "name": "calculator",
                "description": "Evaluate an arithmetic expression.",
                "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}},
            },
        }
    ]
    rng = random.Random(0)
    convs = [_conversation(rng, rng.randint(1, 4)) for _ in range(n_conv)]
    completion = fmt.render_completion(convs[0][2])

    # (a) throughput
    def ours() -> None:
        for c in convs:
            fmt.render(c, tools=tools)
            fmt.encode(c, tools=tools)
            fmt.parse(completion)

    def ours_encode() -> None:
        for c in convs:
            fmt.encode(c, tools=tools)

    def baseline() -> None:
        for c in convs:
            tok.apply_chat_template(c, tokenize=True)

    ours()
    baseline()  # warm-up (template compilation, caches)
    t_ours = min(_median_time(ours, 1) for _ in range(3))
    t_enc = min(_median_time(ours_encode, 1) for _ in range(3))
    t_base = min(_median_time(baseline, 1) for _ in range(3))
    print(f"(a) throughput over {n_conv} conversations (tools, calls, results)")
    print(f"    ours  render+encode(masks)+parse : {n_conv / t_ours:10.1f} conv/s")
    print(f"    ours  encode(masks) alone        : {n_conv / t_enc:10.1f} conv/s")
    print(f"    baseline apply_chat_template(tokenize=True): {n_conv / t_base:10.1f} conv/s")
    print(
        f"    ratio (throughput / baseline): render+encode+parse {t_base / t_ours:.2f}x, "
        f"encode alone {t_base / t_enc:.2f}x"
    )

    # (b) appending turn k of a growing episode. Turn 1 and turn 50 are timed interleaved, in
    # batches, so both see the same machine load (timing them one after the other on a busy
    # machine measured the load, not the code).
    episode = _conversation(random.Random(1), 50)
    per_turn = 4  # user, assistant(call), tool, assistant
    calls: dict[str, dict[int, Callable[[], object]]] = {"ours": {}, "baseline": {}}
    for turn in (1, 50):
        # History up to the assistant's tool call of this turn; the new message is the tool result.
        cut = 1 + (turn - 1) * per_turn + 2
        history, new = episode[:cut], episode[cut : cut + 1]
        full = history + new
        calls["ours"][turn] = lambda h=history, n=new: fmt.encode_observation(n, h)
        calls["baseline"][turn] = lambda f=full: tok.encode(
            fmt.render(f, add_generation_prompt=True), add_special_tokens=False
        )
    results: dict[str, dict[int, float]] = {"ours": {}, "baseline": {}}
    for name, batch in (("ours", 20), ("baseline", 1)):
        samples: dict[int, list[float]] = {1: [], 50: []}
        for fn in calls[name].values():
            fn()  # warm-up
        for r in range(repeats):
            for turn in (1, 50) if r % 2 else (50, 1):
                fn = calls[name][turn]
                t0 = time.perf_counter()
                for _ in range(batch):
                    fn()
                samples[turn].append((time.perf_counter() - t0) / batch)
        results[name] = {turn: statistics.median(ts) for turn, ts in samples.items()}
    print(
        f"(b) cost of appending one observation at turn 1 and turn 50 (median of {repeats} interleaved runs)"
    )
    for name, label in (("ours", "encode_observation"), ("baseline", "re-encode whole history")):
        t1, t50 = results[name][1], results[name][50]
        print(
            f"    {label:26s}: turn 1 {t1 * 1e6:8.1f} us, turn 50 {t50 * 1e6:8.1f} us, "
            f"ratio turn50/turn1 {t50 / t1:.2f}"
        )
    speedup = results["baseline"][50] / results["ours"][50]
    print(
        f"    at turn 50, encode_observation is {speedup:.1f}x faster than re-encoding "
        f"(goal: ours ratio <= 1.2)"
    )


if __name__ == "__main__":
    main()
