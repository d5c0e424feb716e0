"""`agent-rl train --env agent_rl/SearchSession-v0` runs GRPO steps on the tiny model: the loop,
masks and rewards work across tool calls and user turns (the tiny model answers nothing
right; the point is that nothing breaks and no episode fails for infrastructure reasons)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_search_sessions_train_on_the_tiny_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = [
        sys.executable,
        "-m",
        "agent_rl.cli.main",
        "train",
        "--env",
        "agent_rl/SearchSession-v0",
        "--stages",
        "rl",
        "--rl-steps",
        "2",
        "--out",
        str(out),
    ]
    for s in (
        "rl.tasks_per_step=2",
        "rl.group_size=2",
        "rl.micro_batch_size=2",
        "rollout.max_tokens=16",
        "rollout.max_turns=3",
        "rollout.max_total_tokens=2048",
        "eval.episodes=2",
        "tensorboard=false",
    ):
        args += ["--set", s]
    res = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    recs = [json.loads(x) for x in (out / "rl" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in recs if r["step"] > 0]
    assert [r["step"] for r in steps] == [1, 2]
    assert all(r["rollout/failed"] == 0 for r in steps), steps
    assert all(0.0 <= r["reward/mean"] <= 1.0 and r["train/tokens"] > 0 for r in steps)
