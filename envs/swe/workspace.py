"""An episode's workspace: a fresh repository at the base commit, and the agent's file tools.

The repository is made anew from the base tree (`gitops.init_repo`), so its history is that
one commit: no later commits, tags, remotes, stash or reflog can reveal the fix. The file
viewer/editor and the code search work on the host copy in Python (no code runs); paths are
confined to the workspace (no `..`, no symlinks out). The shell runs in a sandbox that sees the
workspace at `/testbed` (see `shell.py`). `diff()` is the patch the agent submits: every change
against the base commit, new files included.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import weakref
from pathlib import Path

from agent_rl.envs.swe import gitops

MAX_VIEW_LINES = 400
MAX_SEARCH_HITS = 60
_SKIP_DIRS = {".git", "__pycache__"}


class WorkspaceError(ValueError):
    """An editor or search request that cannot be done (shown to the model as the result)."""


class Workspace:
    """A repository checked out at its base commit, with undo history for the editor."""

    def __init__(self, files: dict[str, str], *, root: str | Path | None = None) -> None:
        if root is None:
            self.home: Path | None = Path(tempfile.mkdtemp(prefix="agent-rl-swe-ws-"))
            os.chmod(self.home, 0o711)  # traversable for the sandbox uid, not listable
            # Removed with the object (or at exit) even when nobody calls `close`.
            self._finalizer = weakref.finalize(self, shutil.rmtree, self.home, True)
            self.root = self.home / "testbed"
        else:  # a directory someone else owns (a Docker shell's bind mount)
            self.home, self.root = None, Path(root)
        self._base_files = dict(files)
        self.base_commit = gitops.init_repo(self.root, files)
        shutil.rmtree(self.root / ".git" / "logs", ignore_errors=True)  # no reflog at all
        exclude = self.root / ".git" / "info" / "exclude"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text("__pycache__/\n*.pyc\n", encoding="utf-8")
        self._history: dict[str, list[str | None]] = {}
        make_shared(self.root)

    # ----------------------------------------------------------------- paths
    def resolve(self, path: str) -> Path:
        """The host path of a workspace path (relative, or absolute under /testbed)."""
        if not isinstance(path, str) or not path.strip():
            raise WorkspaceError("path must be a non-empty string")
        rel = path.strip()
        if rel == "/testbed" or rel.startswith("/testbed/"):
            rel = rel[len("/testbed"):].lstrip("/")
        if rel.startswith("/"):
            raise WorkspaceError(f"{path}: use a path inside the repository (/testbed)")
        full = (self.root / rel).resolve()
        if full != self.root.resolve() and self.root.resolve() not in full.parents:
            raise WorkspaceError(f"{path}: outside the repository")
        if ".git" in full.relative_to(self.root.resolve()).parts:
            raise WorkspaceError(f"{path}: the .git directory is not editable")
        return full

    def rel(self, full: Path) -> str:
        return full.relative_to(self.root.resolve()).as_posix() or "."

    # ----------------------------------------------------------------- editor
    def view(self, path: str, view_range: list[int] | None = None) -> str:
        full = self.resolve(path)
        if full.is_dir():
            entries = []
            for item in sorted(full.rglob("*")):
                parts = item.relative_to(full).parts
                if len(parts) > 2 or _SKIP_DIRS & set(parts):
                    continue
                entries.append(self.rel(item) + ("/" if item.is_dir() else ""))
            return "\n".join(entries[:500]) or "(empty directory)"
        if not full.is_file():
            raise WorkspaceError(f"{path}: no such file")
        lines = full.read_text(encoding="utf-8", errors="replace").splitlines()
        start, end = 1, len(lines)
        if view_range:
            if len(view_range) != 2:
                raise WorkspaceError("view_range is [first_line, last_line] (last -1 = end)")
            start, end = view_range[0], (len(lines) if view_range[1] == -1 else view_range[1])
            if start < 1 or start > max(len(lines), 1) or end < start:
                raise WorkspaceError(f"view_range {view_range} is outside 1..{len(lines)}")
        end = min(end, len(lines), start + MAX_VIEW_LINES - 1)
        shown = [f"{n:6d}\t{lines[n - 1]}" for n in range(start, end + 1)]
        more = f"\n... ({len(lines) - end} more lines)" if end < len(lines) else ""
        return "\n".join(shown) + more

    def _remember(self, full: Path) -> None:
        old = full.read_text(encoding="utf-8") if full.is_file() else None
        self._history.setdefault(self.rel(full), []).append(old)

    def _write(self, full: Path, text: str) -> None:
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text, encoding="utf-8")
        make_shared(full)

    def create(self, path: str, file_text: str) -> str:
        full = self.resolve(path)
        if full.is_dir():
            raise WorkspaceError(f"{path}: is a directory")
        self._remember(full)
        self._write(full, file_text)
        return f"Wrote {self.rel(full)} ({len(file_text.splitlines())} lines)."

    def str_replace(self, path: str, old_str: str, new_str: str = "") -> str:
        full = self.resolve(path)
        if not full.is_file():
            raise WorkspaceError(f"{path}: no such file")
        text = full.read_text(encoding="utf-8")
        count = text.count(old_str) if old_str else 0
        if count == 0:
            raise WorkspaceError(f"old_str was not found in {path}; nothing changed")
        if count > 1:
            lines = [n + 1 for n, line in enumerate(text.splitlines())
                     if old_str.splitlines()[0] in line]
            raise WorkspaceError(f"old_str occurs {count} times in {path} (lines {lines[:10]});"
                                 " include more context to make it unique")
        self._remember(full)
        new_text = text.replace(old_str, new_str, 1)
        self._write(full, new_text)
        line = text[: text.index(old_str)].count("\n") + 1
        return f"Edited {self.rel(full)}:\n" + self.view(
            path, [max(1, line - 3), min(len(new_text.splitlines()),
                                         line + new_str.count("\n") + 3) or 1])

    def insert(self, path: str, insert_line: int, new_str: str) -> str:
        full = self.resolve(path)
        if not full.is_file():
            raise WorkspaceError(f"{path}: no such file")
        lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
        if not 0 <= insert_line <= len(lines):
            raise WorkspaceError(f"insert_line {insert_line} is outside 0..{len(lines)}")
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        block = new_str if new_str.endswith("\n") else new_str + "\n"
        self._remember(full)
        self._write(full, "".join(lines[:insert_line]) + block + "".join(lines[insert_line:]))
        return f"Inserted {block.count(chr(10))} line(s) after line {insert_line} of " \
               f"{self.rel(full)}."

    def undo(self, path: str) -> str:
        full = self.resolve(path)
        stack = self._history.get(self.rel(full))
        if not stack:
            raise WorkspaceError(f"{path}: no edit to undo")
        old = stack.pop()
        if old is None:
            full.unlink(missing_ok=True)
            return f"Undid the creation of {self.rel(full)}."
        self._write(full, old)
        return f"Restored {self.rel(full)} to before its last edit."

    # ----------------------------------------------------------------- search
    def search(self, pattern: str, path: str = ".", glob: str = "*.py") -> str:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise WorkspaceError(f"bad regular expression {pattern!r}: {exc}") from exc
        top = self.resolve(path)
        files = [top] if top.is_file() else sorted(top.rglob(glob or "*"))
        hits: list[str] = []
        total = 0
        for file in files:
            if file.is_symlink() or not file.is_file() or _SKIP_DIRS & set(
                    file.relative_to(self.root).parts):
                continue  # a symlink may point anywhere on the host: never read through it
            try:
                text = file.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            for n, line in enumerate(text.splitlines(), 1):
                if regex.search(line):
                    total += 1
                    if len(hits) < MAX_SEARCH_HITS:
                        hits.append(f"{self.rel(file)}:{n}: {line.strip()[:200]}")
        if not hits:
            return f"No matches for {pattern!r}."
        more = f"\n... {total - len(hits)} more matches" if total > len(hits) else ""
        return "\n".join(hits) + more

    # ----------------------------------------------------------------- result
    def diff(self) -> str:
        """Every change against the base commit (new files included) as a git diff.

        Git never runs in the workspace's own repository here: the agent could have written
        its `.git/config` (hooks, fsmonitor, filters) or planted symlinks. The workspace's
        regular files and symlinks (as links, not followed) are copied into a fresh
        repository of the base tree, with this project's git config, and diffed there.
        """
        with tempfile.TemporaryDirectory(prefix="agent-rl-swe-diff-") as tmp:
            copy = Path(tmp) / "repo"
            gitops.init_repo(copy, self._base_files)
            for rel in self._base_files:
                (copy / rel).unlink()
            for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
                here = Path(dirpath)
                dirnames[:] = [d for d in dirnames if d != "__pycache__"
                               and not (here == self.root and d == ".git")]
                for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
                    if name.endswith(".pyc"):
                        continue
                    src = here / name
                    dst = copy / src.relative_to(self.root)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    mode = os.lstat(src).st_mode
                    if stat.S_ISLNK(mode):
                        os.symlink(os.readlink(src), dst)
                    elif stat.S_ISREG(mode):
                        dst.write_bytes(gitops.read_regular(src))
            gitops.git(copy, "add", "-A")
            return gitops.git(copy, "diff", "--cached", "--no-color", "--no-ext-diff",
                              "--binary", "HEAD").stdout

    def close(self) -> None:
        if self.home is not None:
            self._finalizer()


def make_shared(path: Path) -> None:
    """Let the sandbox's unprivileged uid read and write the workspace (it lives in a private
    0711 temp dir, so nobody else on the host can reach it)."""
    if path.is_dir():
        os.chmod(path, 0o777)
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o777)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o666)
    elif path.exists():
        os.chmod(path, 0o666)
