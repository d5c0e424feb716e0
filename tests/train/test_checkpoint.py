from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from agent_rl.train.checkpoint import CheckpointManager, load_checkpoint
from agent_rl.train.common import build_optimizer, build_scheduler
from agent_rl.train.config import load_config
from agent_rl.train.metrics import NonFiniteLossError

from .conftest import small_overrides


def test_save_load_round_trip_with_rng(tiny, tmp_path):
    make, tok, _ = tiny
    model = make()
    opt = build_optimizer(model.parameters(), 1e-3, 0.0)
    sched = build_scheduler(opt, "cosine", 2, 10, 0.1)
    model(input_ids=torch.tensor([[1, 2, 3]])).logits.sum().backward()
    opt.step()
    sched.step()
    mgr = CheckpointManager(tmp_path / "ck", keep=2)
    random.seed(5)
    torch.manual_seed(5)
    path = mgr.save(3, model, tok, opt, sched, {"x": 1}, {"a": 1})
    expect_py, expect_t = random.random(), torch.rand(1)
    other = make()
    opt2 = build_optimizer(other.parameters(), 1e-3, 0.0)
    sched2 = build_scheduler(opt2, "cosine", 2, 10, 0.1)
    state = load_checkpoint(path, other, opt2, sched2)
    assert state["step"] == 3 and state["x"] == 1
    assert random.random() == expect_py and torch.equal(torch.rand(1), expect_t)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]
    # keep=2 prunes older ones; a half-written dir (no COMPLETE) and temp dirs are ignored then removed
    mgr.save(4, model, tok, opt, sched, {}, {})
    mgr.save(5, model, tok, opt, sched, {}, {})
    assert [s for s, _ in mgr.list()] == [4, 5]
    (tmp_path / "ck" / "step_000009").mkdir()
    (tmp_path / "ck" / ".tmp-abc").mkdir()
    assert mgr.latest().name == "step_000005"
    mgr.clean_partial()
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["step_000004", "step_000005"]


def test_nan_loss_stops_with_diagnostic_and_keeps_checkpoint(tiny, tmp_path, monkeypatch):
    from agent_rl.train import algos
    from agent_rl.train.rl import RLTrainer

    make, tok, cf = tiny
    cfg = load_config(
        None, small_overrides(tmp_path, **{"stages": "rl", "rl.steps": 3, "eval.episodes": 0})
    )
    trainer = RLTrainer(cfg, make(), tok, cf, tmp_path / "rl")
    real = algos.policy_loss
    calls = {"n": 0}

    def poisoned(*a, **k):
        loss, m = real(*a, **k)
        calls["n"] += 1
        if trainer.stage.last_checkpoint is not None:  # after the first checkpoint: NaN
            return loss * float("nan"), m
        return loss, m

    monkeypatch.setattr(algos, "policy_loss", poisoned)
    # make sure step 1 has an update by giving every group distinct rewards
    orig = trainer._collect

    def collect(step):
        t, r, g, info = orig(step)
        return t, [float(i % 2) for i in range(len(r))], g, info

    trainer._collect = collect
    with pytest.raises(NonFiniteLossError) as e:
        trainer.train()
    msg = str(e.value)
    assert "rl step 2" in msg and "actor/pg_loss" in msg and "step_000001" in msg
    ck = CheckpointManager(tmp_path / "rl" / "checkpoints")
    assert [s for s, _ in ck.list()] == [1]


@pytest.mark.slow
def test_sigkill_then_resume_continues_from_last_checkpoint(tmp_path):
    """A real `agent-rl train` subprocess is SIGKILLed after its first RL checkpoint; the
    resumed run starts after that step and finishes with one metrics line per step."""
    out = tmp_path / "run"
    over = small_overrides(tmp_path, **{"rl.steps": 6, "sft.steps": 2, "rollout.max_tokens": 40})
    args = [sys.executable, "-m", "agent_rl.cli.main", "train", "--out", str(out)]
    for k, v in over.items():
        if k != "output_dir":
            args += ["--set", f"{k}={v}"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ck = out / "rl" / "checkpoints"
    deadline = time.time() + 600
    try:
        while time.time() < deadline:
            done = (
                [p for p in ck.glob("step_*") if (p / "COMPLETE").is_file()] if ck.is_dir() else []
            )
            if len(done) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert proc.poll() is None, (
            "the run ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
        )
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    killed_at = max(
        int(p.name.split("_")[1]) for p in ck.glob("step_*") if (p / "COMPLETE").is_file()
    )
    assert 1 <= killed_at < 6
    res = subprocess.run([*args, "--resume"], env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"resumed from {ck / f'step_{killed_at:06d}'}" in res.stderr
    recs = [json.loads(x) for x in (out / "rl" / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in recs if r["step"] > 0]
    assert steps == list(range(1, 7))
    final = json.loads((ck / "step_000006" / "state.json").read_text())
    assert final["final"] is True and final["step"] == 6
    summary = json.loads((out / "summary.json").read_text())
    assert "held_out_success" in summary and "held_out_tool_use" in summary
    assert Path(out / "reward_curve.png").is_file()


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_corrupted_weights_with_a_marker_fall_back_to_the_previous_checkpoint(
    tiny, tmp_path, caplog, damage
):
    make, tok, _ = tiny
    model = make()
    mgr = CheckpointManager(tmp_path / "ck", keep=3)
    good = mgr.save(1, model, tok, None, None, {"x": 1}, {})
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    bad = mgr.save(2, model, tok, None, None, {"x": 2}, {})
    weights = bad / "model" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    if damage == "flip":  # same size, parseable header: only a checksum can tell
        data[len(data) // 2] ^= 0xFF
        weights.write_bytes(bytes(data))
    elif damage == "truncate":
        weights.write_bytes(bytes(data[: len(data) // 3]))
    else:
        weights.unlink()
    assert (bad / "COMPLETE").is_file()
    with caplog.at_level("WARNING"):
        assert CheckpointManager(tmp_path / "ck").latest() == good
    assert "corrupt" in caplog.text and "step_000002" in caplog.text
    other = make()
    path, state = CheckpointManager(tmp_path / "ck").load_latest(other)
    assert path == good and state["x"] == 1
    want = load_checkpoint(good, make())
    assert want["x"] == 1


def test_a_checkpoint_that_fails_to_load_falls_back(tiny, tmp_path, caplog):
    make, tok, _ = tiny
    model = make()
    mgr = CheckpointManager(tmp_path / "ck", keep=3)
    good = mgr.save(1, model, tok, None, None, {"x": 1}, {})
    bad = mgr.save(2, model, tok, None, None, {"x": 2}, {})
    (bad / "MANIFEST.json").unlink()  # an older checkpoint without a manifest
    (bad / "rng.pt").write_bytes(b"not a torch file")
    with caplog.at_level("WARNING"):
        path, state = mgr.load_latest(make())
    assert path == good and state["x"] == 1 and "step_000002" in caplog.text
