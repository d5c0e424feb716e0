"""The command line as a user meets it: --version, exit codes that mean something, one clear
line for a bad number, summaries on stdout and logs on stderr."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _main(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent_rl.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_version():
    from agent_rl import __version__

    res = _main("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"agent-rl {__version__}"


def test_sandbox_run_exits_with_the_programs_status(tmp_path):
    from agent_rl.tools.sandbox import get_sandbox

    try:
        get_sandbox("bwrap")
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no bubblewrap sandbox here: {exc}")
    prog = tmp_path / "p.py"
    prog.write_text("import sys\nprint('hi')\nsys.exit(7)\n")
    res = _main("sandbox", "run", "--backend", "bwrap", str(prog))
    assert res.returncode == 7 and '"exit_code": 7' in res.stdout
    prog.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    assert _main("sandbox", "run", "--backend", "bwrap", str(prog)).returncode == 128 + 15
    prog.write_text("x = bytearray(1 << 30)\n")
    res = _main("sandbox", "run", "--backend", "bwrap", "--memory", "64", str(prog))
    assert res.returncode == 137 and '"oom": true' in res.stdout
    prog.write_text("print('ok')\n")
    assert _main("sandbox", "run", "--backend", "bwrap", str(prog)).returncode == 0


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0"])
def test_sandbox_timeout_must_be_a_positive_finite_number(tmp_path, value):
    prog = tmp_path / "p.py"
    prog.write_text("print('ok')\n")
    res = _main("sandbox", "run", "--timeout", value, str(prog))
    assert res.returncode == 2 and "--timeout" in res.stderr and "Traceback" not in res.stderr


def test_train_set_nan_is_one_clear_error(tmp_path):
    res = _main("train", "--set", "rl.steps=nan", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "rl.steps" in res.stderr and "Traceback" not in res.stderr
    res = _main("train", "--set", "rl.lr=1e30", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "rl.lr" in res.stderr
    assert not (tmp_path / "r").exists()


def test_train_dpo_says_what_it_starts_from(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("")
    res = _main(
        "train", "dpo", "--data", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "r")
    )
    assert "dpo starts from the untrained embedded tiny model" in res.stderr
    assert res.returncode == 2 and "missing.jsonl: no such file" in res.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["envs", "list"],
        ["sft", "convert", "/nonexistent/in.jsonl", "--out", "/tmp/never.jsonl"],
        ["--version"],
    ],
)
def test_commands_that_need_no_model_do_not_import_torch(args):
    """Start-up: `envs list` and a failing `sft convert` answer without loading torch or
    transformers (seconds of import time each); the times are reported, not asserted."""
    code = (
        "import sys\n"
        "from agent_rl.cli.main import app\n"
        f"try:\n    app({args!r})\n"
        "except SystemExit:\n    pass\n"
        "except Exception:\n    pass\n"
        "print('HEAVY', sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in res.stdout, res.stdout[-500:] + res.stderr[-1500:]
