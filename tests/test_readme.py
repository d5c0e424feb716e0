"""The README is a contract: two commands first, and its worked examples are real code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
