"""`agent-rl train --env agent_rl/ToolWorld-v0` runs two GRPO steps on the tiny model: the
loop, the masks and the rewards work over the stateful services (the tiny model solves
nothing; the point is that nothing breaks and no episode fails for infrastructure reasons)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_toolworld_trains_on_the_tiny_model(tmp_path):
    out = tmp_path / "run"
    args = [
        sys.executable,
        "-m",
        "agent_rl.cli.main",
        "train",
        "--env",
        "agent_rl/ToolWorld-v0",
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
        "rollout.max_tokens=32",
        "rollout.max_turns=3",
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
