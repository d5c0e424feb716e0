"""`agent-rl train --env agent_rl/SWE-v0` runs a step on the tiny model: the loop, the masks
and the rewards work (the tiny model solves nothing; the point is that nothing breaks)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_one_rl_step_on_the_tiny_model(tmp_path, bwrap):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "agent_rl.cli.main", "train", "--env", "agent_rl/SWE-v0",
            "--stages", "rl", "--rl-steps", "1", "--out", str(out),
            "-k", "n_tasks=2", "-k", "max_turns=2"]
    for s in ("rl.tasks_per_step=2", "rl.group_size=2", "rl.micro_batch_size=2",
              "rollout.max_tokens=16", "rollout.max_turns=2", "rollout.max_total_tokens=4096",
              "eval.episodes=2", "tensorboard=false"):
        args += ["--set", s]
    res = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    recs = [json.loads(x) for x in (out / "rl" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in recs if r["step"] > 0]
    assert [r["step"] for r in steps] == [1]
    step = steps[0]
    assert step["rollout/failed"] == 0, step  # no env errors or infrastructure failures
    assert 0.0 <= step["reward/mean"] <= 1.0 and step["eval/failed"] == 0
    # the loss mask keeps the model's tokens only: the prompts and tool results are masked
    assert 0 < step["train/tokens"] < step["train/seq_tokens"]
