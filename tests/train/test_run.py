"""Run folders: one per run, no clobbering, resume only into a matching run, nothing left by
a run that fails before training, caches keyed by what produced them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agent_rl.cli.train import app
from agent_rl.errors import ConfigError
from agent_rl.train.config import load_config
from agent_rl.train.run import (
    RunDir,
    default_run_dir,
    fingerprint,
    latest_model,
    resolve_model,
    stage_settings,
    write_text,
)

from .conftest import small_overrides


def _fake_checkpoint(out: Path, stage: str, step: int, config: dict, final: bool = True) -> Path:
    """A complete checkpoint folder as CheckpointManager leaves it (no weights needed here)."""
    ck = out / stage / "checkpoints" / f"step_{step:06d}"
    (ck / "model").mkdir(parents=True)
    (ck / "model" / "config.json").write_text("{}")
    (ck / "state.json").write_text(json.dumps({"step": step, "final": final}))
    (ck / "config.yaml").write_text(yaml.safe_dump(config))
    (ck / "COMPLETE").write_text("ok\n")
    return ck


def test_default_run_dir_is_named_from_command_and_time(tmp_path):
    now = datetime(2026, 11, 28, 16, 5, 9, tzinfo=timezone.utc)
    first = default_run_dir("train-sft", tmp_path, now)
    assert first == tmp_path / "train-sft-20261128-160509"
    first.mkdir()
    assert default_run_dir("train-sft", tmp_path, now).name == "train-sft-20261128-160509-2"
    assert load_config().output_dir == "", "no shared default folder: each run gets its own"


def test_rerun_over_an_existing_run_is_refused(tmp_path):
    cfg = load_config(None, {"output_dir": str(tmp_path)}).to_dict()
    _fake_checkpoint(tmp_path, "sft", 400, cfg)
    with pytest.raises(ConfigError, match=r"already holds a run.*--resume.*--overwrite"):
        RunDir.check(tmp_path, cfg)
    assert RunDir.check(tmp_path, cfg, overwrite=True).overwrite
    run = RunDir.check(tmp_path, cfg, resume=True)
    assert "sft" in run.reuse, "a finished stage with the same settings is reused"
    with pytest.raises(ConfigError, match="pick one"):
        RunDir.check(tmp_path, cfg, resume=True, overwrite=True)


def test_resume_with_a_changed_config_says_what_differs(tmp_path):
    old = load_config(None, {"rl.algo": "grpo"}).to_dict()
    _fake_checkpoint(tmp_path, "sft", 400, old)
    _fake_checkpoint(tmp_path, "rl", 10, old, final=False)
    new = load_config(None, {"rl.algo": "dapo", "rl.lr": 1e-4}).to_dict()
    with pytest.raises(ConfigError) as e:
        RunDir.check(tmp_path, new, resume=True)
    msg = str(e.value)
    assert "rl checkpoints" in msg and "rl.algo: 'grpo' -> 'dapo'" in msg
    assert "rl.lr: 0.0003 -> 0.0001" in msg
    # Only RL changed: the SFT stage's settings (and so its reuse) are untouched.
    assert stage_settings(old, ["sft", "rl"], "sft") == stage_settings(new, ["sft", "rl"], "sft")
    changed_sft = load_config(None, {"sft.lr": 1e-3}).to_dict()
    with pytest.raises(ConfigError, match=r"sft\.lr: 0\.002 -> 0\.001"):
        RunDir.check(tmp_path, changed_sft, resume=True)


def test_resume_without_checkpoints_or_with_a_typo_is_an_error(tmp_path):
    cfg = load_config().to_dict()
    real = tmp_path / "calc-run"
    _fake_checkpoint(real, "sft", 400, cfg)
    with pytest.raises(
        ConfigError, match=r"no checkpoints to resume from; did you mean .*calc-run"
    ):
        RunDir.check(tmp_path / "calc-rnu", cfg, resume=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no checkpoints to resume from"):
        RunDir.check(tmp_path / "empty", cfg, resume=True)


def test_output_that_is_a_file_or_unwritable_is_one_clear_error(tmp_path):
    cfg = load_config().to_dict()
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ConfigError, match="not a directory"):
        RunDir.check(f, cfg)
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(ConfigError, match="permission denied"):
            RunDir.check(ro / "run", cfg)


def test_models_resolve_from_runs_and_empty_folders_are_named(tmp_path):
    cfg = load_config().to_dict()
    ck = _fake_checkpoint(tmp_path / "run", "rl", 20, cfg)
    run = RunDir.check(tmp_path / "other", cfg)
    run.path = tmp_path / "run"
    run.stages = ["sft", "rl"]
    run.begin()
    run.mark_latest("rl", ck)
    assert latest_model(tmp_path / "run") == ck / "model"
    assert resolve_model(str(tmp_path / "run")) == str(ck / "model")
    assert resolve_model(str(tmp_path / "run" / "rl")) == str(ck / "model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="empty folder"):
        resolve_model(str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="neither 'tiny' nor an existing folder"):
        resolve_model(str(tmp_path / "nope"))


def test_run_files_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "summary.json", "{}")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "summary.json").stat().st_mode)
    assert mode == 0o644


def test_oracle_cache_is_keyed_by_what_produced_it():
    from agent_rl.train.sft import oracle_cache_name

    base = oracle_cache_name(load_config())
    assert base.startswith("oracle-") and base.endswith(".jsonl")
    for change in ({"sft.episodes": 8}, {"rollout.max_tokens": 64}, {"env.kwargs": {"seed": 3}}):
        assert oracle_cache_name(load_config(None, change)) != base, change
    assert oracle_cache_name(load_config(None, {"rl.lr": 1e-4})) == base
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})


def _args(tmp_path: Path, out: Path, **extra) -> list[str]:
    over = small_overrides(tmp_path, **{"rollout.max_tokens": 40, **extra})
    args = ["--out", str(out)]
    for k, v in over.items():
        if k != "output_dir":
            args += ["--set", f"{k}={v}"]
    return args


def test_a_run_that_fails_before_training_writes_nothing(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app, ["sft", "--data", str(tmp_path / "missing.jsonl"), "--out", str(out)]
    )
    assert isinstance(res.exception, ConfigError) and "no such file" in str(res.exception)
    assert not out.exists()
    # The oracle fails (every episode cut at one token): the folder it would have made is gone.
    res = CliRunner().invoke(app, _args(tmp_path, out, **{"rollout.max_tokens": 1}))
    assert res.exception is not None and "oracle solved none" in str(res.exception)
    assert not out.exists()


@pytest.mark.slow
def test_rerun_resume_overwrite_and_stage_reuse_end_to_end(tmp_path):
    """SFT alone, then SFT+RL with --resume reuses the finished SFT; a rerun is refused, a
    resume with another algorithm names the difference, --overwrite starts over."""
    out = tmp_path / "run"
    runner = CliRunner()
    res = runner.invoke(app, [*_args(tmp_path, out), "--stages", "sft"])
    assert res.exit_code == 0, res.output
    sft_final = out / "sft" / "checkpoints" / "step_000002"
    assert (out / "sft" / "latest").read_text().strip() == "checkpoints/step_000002/model"
    assert list((out / "sft").glob("oracle-*.jsonl")), "the oracle demonstrations are cached"
    stamp = sft_final.stat().st_mtime_ns

    res = runner.invoke(app, [*_args(tmp_path, out), "--resume"])
    assert res.exit_code == 0, res.output
    assert sft_final.stat().st_mtime_ns == stamp, "the finished SFT stage is reused, not retrained"
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["stages"]) == ["sft", "rl"] and "held_out_success" in summary
    assert "held-out success" in res.stdout
    assert latest_model(out) == out / "rl" / "checkpoints" / "step_000002" / "model"
    assert stat.S_IMODE((out / "config.yaml").stat().st_mode) & 0o044, "readable by others"

    before = (out / "summary.json").read_text()
    res = runner.invoke(app, _args(tmp_path, out))
    assert isinstance(res.exception, ConfigError) and "already holds a run" in str(res.exception)
    res = runner.invoke(app, [*_args(tmp_path, out, **{"rl.algo": "dapo"}), "--resume"])
    assert isinstance(res.exception, ConfigError)
    assert "rl.algo: 'grpo' -> 'dapo'" in str(res.exception)
    assert (out / "summary.json").read_text() == before, "a refused run changes nothing"

    res = runner.invoke(app, [*_args(tmp_path, out), "--stages", "sft", "--overwrite"])
    assert res.exit_code == 0, res.output
    assert not (out / "rl").exists(), "--overwrite replaces the old run"
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["stages"]) == ["sft"]
    assert not (out / "reward_curve.png").exists()


def test_cli_errors_are_one_line_with_exit_2(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent_rl.cli.main",
            "train",
            "--resume",
            "--out",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "no checkpoints to resume from" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "x").exists()


def test_from_reuses_another_runs_matching_stages(tmp_path):
    grpo = load_config(None, {"rl.algo": "grpo"}).to_dict()
    src = tmp_path / "grpo"
    _fake_checkpoint(src, "sft", 400, grpo)
    _fake_checkpoint(src, "rl", 20, grpo)
    dapo = load_config(None, {"rl.algo": "dapo"}).to_dict()
    run = RunDir.check(tmp_path / "dapo", dapo, source=src)
    assert list(run.reuse) == ["sft"], "SFT matches and is reused; the DAPO stage is new"
    run.begin()
    copied = tmp_path / "dapo" / "sft" / "checkpoints" / "step_000400"
    assert run.reuse["sft"] == copied and (copied / "COMPLETE").is_file()
    other_sft = load_config(None, {"sft.steps": 10}).to_dict()
    with pytest.raises(ConfigError, match=r"nothing to reuse.*sft\.steps: 400 -> 10"):
        RunDir.check(tmp_path / "x", other_sft, source=src)
    with pytest.raises(ConfigError, match="drop --resume"):
        RunDir.check(src, grpo, resume=True, source=tmp_path / "dapo")


def test_a_bad_env_option_fails_before_any_work(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent_rl.cli.main",
            "train",
            "-k",
            "level=3",
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "level" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "r").exists()
