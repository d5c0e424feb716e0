"""The small Python repositories the project ships (`data/repos/<name>/`) for SWE tasks.

Each holds one package (`<name>/`) and a stdlib `unittest` suite (`tests/`), so its tests run
with nothing but `python3`: on the host toolchain under bubblewrap and in the Debian-based
Docker images alike. The verbose unittest output is what swebench's `parse_log_django` reads.
"""

from __future__ import annotations

from pathlib import Path

from agent_rl.errors import DataError

REPOS_DIR = Path(__file__).resolve().parent / "data" / "repos"
REPO_OWNER = "agent-rl"
TEST_DIR = "tests"
TEST_COMMAND = "python3 -m unittest discover -v -s tests -t ."
"""How every shipped repository runs its tests (verbose: one `name ... ok` line per test)."""
LOG_PARSER = "parse_log_django"
"""The swebench log parser that reads unittest's verbose output."""


def list_repos() -> list[str]:
    """Names of the shipped repositories, sorted."""
    return sorted(p.name for p in REPOS_DIR.iterdir() if (p / p.name / "__init__.py").is_file())


def read_repo(name: str) -> dict[str, str]:
    """The files of one shipped repository: relative POSIX path -> text."""
    root = REPOS_DIR / name
    if not (root / name / "__init__.py").is_file():
        raise DataError(f"no shipped repository {name!r}; have {list_repos()}", key="repo")
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return files


def is_test_file(path: str) -> bool:
    return path.startswith(f"{TEST_DIR}/")


def source_files(files: dict[str, str]) -> list[str]:
    """The library files a bug may be injected into (not tests, not `__init__.py`)."""
    return [p for p in sorted(files) if not is_test_file(p) and not p.endswith("__init__.py")]
