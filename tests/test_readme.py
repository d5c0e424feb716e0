"""The README is a contract: two commands first, and its worked examples are real code."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_exactly_two_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None, "README has no bash block"
    assert README.index(first_block.group(0)) < README.index("\n## "), "commands come first"
    commands = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "scripts/setup.sh" in commands[0] and "agent-rl" in commands[0]
    assert "scripts/setup.sh" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = re.search(r"```bash\n(.*?)```", README, re.S).group(1).splitlines()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci


def test_readme_env_example_is_the_shipped_file() -> None:
    """The worked example in the README is byte for byte the file the tests register."""
    match = re.search(r"<!-- example: (\S+) -->\n```python\n(.*?)```", README, re.S)
    assert match is not None, "README must embed the env example"
    path, code = match.group(1), match.group(2)
    assert (ROOT / path).read_text(encoding="utf-8") == code
    assert 15 <= len(code.strip().splitlines()) <= 45


def test_cli_help_lists_every_command_group() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent_rl.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    for command in ("envs", "rollout", "eval", "train", "sft", "sandbox", "serve"):
        assert command in out, f"`agent-rl {command}` missing from --help"


def tour_commands() -> list[str]:
    """Every command of the README's tour (its ```bash blocks), in order."""
    tour = README[README.index("## A tour") :]
    blocks = re.findall(r"```bash\n(.*?)```", tour, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _docker_engine() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_tour_uses_only_shipped_files_or_earlier_outputs() -> None:
    """Cheap guard: every `runs/...` file a command reads was written by an earlier command."""
    written: set[str] = set()
    for line in tour_commands():
        paths = re.findall(r"(runs/[\w./-]+)", line)
        outs = re.findall(
            r"(?:--out(?:-dir)?|--dir|--tokenized|--rejects|>)\s+(runs/[\w./-]+)", line
        )
        for p in paths:
            if p in outs:
                continue
            assert any(p == w or p.startswith(w.rstrip("/") + "/") for w in written), (
                f"`{line}` reads {p} before any tour command writes it"
            )
        written.update(outs)


@pytest.mark.slow
def test_readme_tour_runs_top_to_bottom(tmp_path: Path) -> None:
    """The tour, as written, in one shell, in a fresh checkout view (outputs in its runs/)."""
    work = tmp_path / "checkout"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in ("runs", ".git"):
            (work / entry.name).symlink_to(entry)
    before = {p.name for p in work.iterdir()}
    docker = _docker_engine()
    lines = ["set -eo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for command in tour_commands():
        lines.append(f"echo {shlex.quote('+ ' + command)} >&2")
        if "--backend docker" in command and not docker:
            lines.append("echo 'skipped: no Docker engine here' >&2")
            continue
        lines.append(command)
    res = subprocess.run(
        ["bash", "-c", "\n".join(lines)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert res.returncode == 0, res.stderr[-5000:]
    made = {p.name for p in work.iterdir()} - before - {".pytest_cache"}  # pytest's own cache
    assert made <= {"runs"}, f"the tour wrote outside runs/: {sorted(made - {'runs'})}"
