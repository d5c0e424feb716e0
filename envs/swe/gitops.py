"""Host-side git: deterministic root commits, diffs between trees, and patch application.

A workspace or grading copy is a fresh repository with exactly one commit (the base): no
parent, tags, remotes or reflog, so nothing in `.git` can reveal a later fix. The commit's
author, committer and dates are fixed, so the same tree always gives the same `base_commit`.
Patches are applied with the same chain of commands as swebench's harness
(`swebench.harness.run_evaluation.GIT_APPLY_CMDS`), so a patch applies here exactly when it
applies there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_rl.errors import InfraError

GIT_APPLY_CMDS = (
    "git apply --verbose",
    "git apply --verbose --3way",
    "git apply --verbose --reject",
    "patch --batch --forward --fuzz=5 -p1 -i",
)
"""swebench 5.x's patch-application chain (a test checks it against the installed harness)."""

_IDENTITY = {
    "GIT_AUTHOR_NAME": "agent-rl",
    "GIT_AUTHOR_EMAIL": "swe@agent-rl.invalid",
    "GIT_COMMITTER_NAME": "agent-rl",
    "GIT_COMMITTER_EMAIL": "swe@agent-rl.invalid",
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+0000",
}


def git_env() -> dict[str, str]:
    """A git environment that ignores the user's and the system's config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_IDENTITY)
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    return env


def git(cwd: str | Path, *args: str, stdin: str | None = None, check: bool = True,
        timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in `cwd`; InfraError when git itself cannot run (or `check` and it fails)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, text=True,
                              capture_output=True, env={**git_env(), **(env or {})},
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfraError(f"git {args[0]} failed to run: {exc}") from exc
    if check and done.returncode != 0:
        raise InfraError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done


def write_tree(root: str | Path, files: dict[str, str]) -> None:
    root = Path(root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def walk_regular(root: str | Path) -> list[tuple[str, Path]]:
    """(relative path, path) of every regular file under `root`, never following a symlink
    (a link an agent or a patch made could point anywhere on the host); `.git` and
    `__pycache__` left out."""
    root = Path(root)
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__"
                             and not (here == root and d == ".git"))
        for name in sorted(filenames):
            path = here / name
            if stat.S_ISREG(os.lstat(path).st_mode):
                found.append((path.relative_to(root).as_posix(), path))
    return found


def read_regular(path: Path) -> bytes:
    """A regular file's bytes, refusing to follow a symlink swapped in meanwhile."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def read_tree(root: str | Path) -> dict[str, str]:
    """Every regular file under `root` except `.git`, as text (undecodable bytes replaced);
    symlinks are not followed and not included."""
    return {rel: read_regular(path).decode("utf-8", errors="replace")
            for rel, path in walk_regular(root)}


def init_repo(root: str | Path, files: dict[str, str], message: str = "base") -> str:
    """Make `root` a repository whose only commit holds `files`; returns the commit sha."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", message)
    return git(root, "rev-parse", "HEAD").stdout.strip()


def tree_commit(files: dict[str, str], message: str = "base") -> str:
    """The sha `init_repo` gives for `files`, computed in Python (git's object format: the
    same bytes git hashes, without starting git; a test checks it against git itself)."""

    def obj(kind: bytes, body: bytes) -> bytes:
        return hashlib.sha1(kind + b" %d\0" % len(body) + body).digest()

    def tree(entries: dict[str, Any]) -> bytes:
        rows = []
        for name, value in entries.items():
            if isinstance(value, dict):  # git orders a directory as if named "name/"
                rows.append((name + "/", b"40000 " + name.encode() + b"\0" + tree(value)))
            else:
                rows.append((name, b"100644 " + name.encode() + b"\0" + obj(b"blob", value)))
        return obj(b"tree", b"".join(row for _, row in sorted(rows, key=lambda r: r[0].encode())))

    root: dict[str, Any] = {}
    for path, text in files.items():
        node = root
        *dirs, name = path.split("/")
        for d in dirs:
            node = node.setdefault(d, {})
        node[name] = text.encode("utf-8")
    when = int(datetime.fromisoformat(_IDENTITY["GIT_COMMITTER_DATE"]).timestamp())
    author = f"{_IDENTITY['GIT_AUTHOR_NAME']} <{_IDENTITY['GIT_AUTHOR_EMAIL']}> {when} +0000"
    committer = (f"{_IDENTITY['GIT_COMMITTER_NAME']} <{_IDENTITY['GIT_COMMITTER_EMAIL']}> "
                 f"{when} +0000")
    body = (f"tree {tree(root).hex()}\nauthor {author}\ncommitter {committer}\n\n"
            f"{message}\n").encode()
    return obj(b"commit", body).hex()


def git_tree_commit(files: dict[str, str], message: str = "base") -> str:
    """`tree_commit` by git itself (the reference the Python version is tested against)."""
    with tempfile.TemporaryDirectory(prefix="agent-rl-swe-") as tmp:
        return init_repo(tmp, files, message)


def plain_apply(root: str | Path, patch: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`git apply ARGS -` in a plain directory (no repository: git's own patch applier, which
    never looks above `root` for one)."""
    root = Path(root).resolve()
    if (root / ".git").is_symlink() or (root / ".git").is_file():
        (root / ".git").unlink()  # a `.git` a patch wrote: never a repository git would use
    elif (root / ".git").exists():
        shutil.rmtree(root / ".git")
    env = {"GIT_CEILING_DIRECTORIES": str(root.parent)}
    return git(root, "apply", *args, "-", stdin=patch, check=False, env=env)


def diff_trees(old: dict[str, str], new: dict[str, str]) -> str:
    """A `git diff` (a/ b/ prefixes) turning tree `old` into tree `new`; "" when equal."""
    with tempfile.TemporaryDirectory(prefix="agent-rl-swe-") as tmp:
        init_repo(tmp, old)
        for rel in old:
            if rel not in new:
                (Path(tmp) / rel).unlink()
        write_tree(tmp, {k: v for k, v in new.items() if old.get(k) != v})
        git(tmp, "add", "-A")
        return git(tmp, "diff", "--cached", "--no-color", "--no-ext-diff").stdout


def apply_patch(root: str | Path, patch: str, *, timeout: float = 60) -> tuple[bool, str]:
    """Apply `patch` to the tree `root` with swebench's command chain.

    Returns (applied, log). The chain's `--3way` needs a repository: one is made of the tree
    as it is, with its git dir *outside* `root` (GIT_DIR/GIT_WORK_TREE), so nothing a patch
    writes into the tree (a `.git` of its own, hooks, config) is ever read by git here.
    Between attempts the tree is reset to its commit, as the harness does.
    """
    root = Path(root).resolve()
    with tempfile.TemporaryDirectory(prefix="agent-rl-swe-gitdir-") as gitdir:
        env = {"GIT_DIR": gitdir, "GIT_WORK_TREE": str(root)}
        shutil.rmtree(root / ".git", ignore_errors=True)
        git(root, "init", "-q", "-b", "main", env=env)
        git(root, "add", "-A", env=env)
        git(root, "commit", "-q", "--no-gpg-sign", "--allow-empty", "-m", "base", env=env)
        patch_file = Path(gitdir) / "agent-rl.patch"
        patch_file.write_text(patch, encoding="utf-8")
        log: list[str] = []
        for attempt, command in enumerate(GIT_APPLY_CMDS):
            if attempt:
                git(root, "checkout", "-q", "--", ".", check=False, env=env)
                git(root, "clean", "-fdq", check=False, env=env)
            argv = [*command.split(), str(patch_file)]
            if argv[0] == "patch" and shutil.which("patch") is None:
                log.append("patch: not installed")
                continue
            try:
                done = subprocess.run(argv, cwd=root, text=True, capture_output=True,
                                      env={**git_env(), **env}, timeout=timeout)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InfraError(f"{argv[0]} failed to run: {exc}") from exc
            output = (done.stdout + done.stderr).strip()
            if done.returncode == 0:
                return True, output
            log.append(f"{command}: {output[-300:]}")
        reverse = git(root, "apply", "--check", "--reverse", str(patch_file), check=False,
                      env=env)
        if reverse.returncode == 0:  # the harness counts an already-applied patch as applied
            return True, "verified already applied"
        return False, "\n".join(log)


def changed_paths(patch: str) -> list[str]:
    """Paths a git diff touches (its `diff --git a/X b/Y` lines, both sides), in order."""
    seen: list[str] = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            parts = line.split()
            for part in parts[2:4]:
                path = part[2:] if part[:2] in ("a/", "b/") else part
                if path not in seen:
                    seen.append(path)
    return seen
