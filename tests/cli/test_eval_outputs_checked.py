"""`agent-rl eval bfcl | toolworld | swe-bench` check where they will write before any work.

Each command runs as a user runs it (`python -m agent_rl.cli.main ...` in a subprocess), with
the functions that do the work (running or grading the benchmark) replaced by one that stops
the process with a marker: a bad output path must be one line naming it, exit 2, no
traceback, no marker (nothing ran) and nothing written; a good path must reach the marker
(so the check is what stopped the bad one).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

WORK = "WORK STARTED"

# Stand-ins for the work each sub-command does, installed before the CLI runs.
_DRIVER = f"""
import sys

def _work(*args, **kwargs):
    raise SystemExit("{WORK}")

import agent_rl.evals.bfcl.run as bfcl_run
bfcl_run.run_bfcl = bfcl_run.grade_predictions = _work
import agent_rl.envs.function_call.toolworld as toolworld
toolworld.ToolWorldEnv.__init__ = _work
import agent_rl.rollout.engine as engine
engine.RolloutEngine.run = _work
import agent_rl.envs.swe.evaluate as swe_evaluate
swe_evaluate.evaluate = _work
import agent_rl.cli.swe as cli_swe
cli_swe.agent_predictions = _work

from agent_rl.cli.main import run
sys.argv = ["agent-rl", *sys.argv[1:]]
run()
"""


def _main(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _DRIVER, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def _tree(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def _refused(res: subprocess.CompletedProcess, path: Path, option: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert WORK not in res.stderr, "the work ran before the output path was checked"
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert str(path) in lines[0] and option in lines[0], lines[0]


def _bad_dir(tmp_path: Path) -> Path:
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report folder should go\n")
    return blocker


BFCL = ["eval", "bfcl", "--policy", "oracle", "--limit", "1", "--no-progress"]
TOOLWORLD = ["eval", "toolworld", "--policy", "oracle", "--n", "1", "--k", "1"]
SWE = ["eval", "swe-bench", "--policy", "oracle", "--limit", "1", "--backend", "bwrap"]


def test_bfcl_refuses_an_out_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = _bad_dir(tmp_path)
    before = _tree(tmp_path)
    res = _main(*BFCL, "--out-dir", str(blocker), cwd=tmp_path)
    _refused(res, blocker, "--out-dir")
    assert "not a directory" in res.stderr
    assert _tree(tmp_path) == before, "nothing written, the file is untouched"


def test_bfcl_grading_refuses_a_bad_out_dir_too(tmp_path: Path) -> None:
    blocker = _bad_dir(tmp_path)
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "simple_python_0", "result": "[]"}\n')
    before = _tree(tmp_path)
    res = _main(
        "eval", "bfcl", "--predictions", str(preds), "--out-dir", str(blocker), cwd=tmp_path
    )
    _refused(res, blocker, "--out-dir")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("command", ["bfcl", "swe-bench"])
def test_a_missing_predictions_file_is_refused(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nope.jsonl"
    res = _main("eval", command, "--predictions", str(missing), "--out-dir",
                str(tmp_path / "r"), cwd=tmp_path)
    _refused(res, missing, "--predictions")
    assert list(tmp_path.iterdir()) == []


def test_toolworld_refuses_an_out_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine\n")
    before = _tree(tmp_path)
    res = _main(*TOOLWORLD, "--out", str(folder), cwd=tmp_path)
    _refused(res, folder, "--out")
    assert "is a directory" in res.stderr
    assert _tree(tmp_path) == before


def test_toolworld_refuses_an_out_under_a_file(tmp_path: Path) -> None:
    blocker = _bad_dir(tmp_path)
    before = _tree(tmp_path)
    res = _main(*TOOLWORLD, "--out", str(blocker / "metrics.json"), cwd=tmp_path)
    _refused(res, blocker, "--out")
    assert _tree(tmp_path) == before


def test_swe_bench_refuses_an_out_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = _bad_dir(tmp_path)
    before = _tree(tmp_path)
    res = _main(*SWE, "--out-dir", str(blocker), cwd=tmp_path)
    _refused(res, blocker, "--out-dir")
    assert "not a directory" in res.stderr
    assert _tree(tmp_path) == before


def test_swe_bench_with_an_agent_policy_refuses_before_running_it(tmp_path: Path) -> None:
    blocker = _bad_dir(tmp_path)
    before = _tree(tmp_path)
    res = _main(
        "eval",
        "swe-bench",
        "--policy",
        "tiny",
        "--limit",
        "1",
        "--out-dir",
        str(blocker),
        cwd=tmp_path,
    )
    _refused(res, blocker, "--out-dir")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        [*BFCL, "--out-dir", "r"],
        [*TOOLWORLD, "--out", "r/metrics.json"],
        [*SWE, "--out-dir", "r"],
    ],
    ids=["bfcl", "toolworld", "swe-bench"],
)
def test_a_good_output_path_reaches_the_work(tmp_path: Path, args: list[str]) -> None:
    """The stand-in stops the run at its work: the refusals above are the checks' doing."""
    res = _main(*args, cwd=tmp_path)
    assert WORK in res.stderr, res.stderr
    assert "Traceback" not in res.stderr, res.stderr


def _real(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent_rl.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_bfcl_report_lands_in_out_dir_beside_other_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep\n")
    res = _real(
        "eval", "bfcl", "--categories", "simple_python", "--limit", "1", "--no-progress",
        "--out-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    names = {p.name for p in out.iterdir()}
    assert {"mine.txt", "report.json", "report.md", "verdicts.jsonl"} <= names
    assert (out / "mine.txt").read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no temp folder left"


def test_toolworld_metrics_written_whole(tmp_path: Path) -> None:
    import json

    res = _real(*TOOLWORLD, "--out", "m/metrics.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["tasks"] == 1
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["metrics.json"]


def test_atomic_output_dir_changes_nothing_on_failure(tmp_path: Path) -> None:
    from agent_rl.cli.checks import atomic_output_dir

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_output_dir(out) as staging:
        (staging / "report.json").write_text("half")
        raise KeyboardInterrupt
    assert (out / "report.json").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with atomic_output_dir(out) as staging:
        (staging / "report.json").write_text("new\n")
        (staging / "logs").mkdir()
        (staging / "logs" / "a.txt").write_text("a\n")
    assert (out / "report.json").read_text() == "new\n"
    assert (out / "logs" / "a.txt").read_text() == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
