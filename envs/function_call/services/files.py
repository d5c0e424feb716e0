"""`files` suite: an in-memory file system (flat paths, directories implied by them).

State: `{"files": {"/docs/a.txt": "text", ...}}`. Compared keys: one per path (its content);
partial credit is the share of paths, in the union of expected and actual, whose content
matches.
"""

from __future__ import annotations

import fnmatch
import posixpath
from typing import Any, ClassVar

from agent_rl.envs.function_call.services.base import Service, ServiceError


def _norm(path: str) -> str:
    if not path.startswith("/"):
        raise ServiceError(f"paths are absolute (start with '/'), got {path!r}")
    return posixpath.normpath(path)


class FileSystem(Service):
    """A small file system the agent can list, read, write, move and delete in."""

    suite: ClassVar[str] = "files"
    tool_names: ClassVar[tuple[str, ...]] = (
        "list_files",
        "read_file",
        "write_file",
        "move_file",
        "delete_file",
        "find_files",
    )
    mutating: ClassVar[frozenset[str]] = frozenset({"write_file", "move_file", "delete_file"})

    def _load(self, state: dict[str, Any]) -> None:
        self.files: dict[str, str] = {_norm(p): str(c) for p, c in state.get("files", {}).items()}

    def state(self) -> dict[str, Any]:
        return {"files": dict(sorted(self.files.items()))}

    def comparable_state(self) -> dict[str, Any]:
        return {f"file:{p}": c for p, c in self.files.items()}

    def list_files(self, directory: str) -> list[str]:
        """List the files under a directory (recursively).

        Args:
            directory: absolute directory path, e.g. "/docs".
        """
        base = _norm(directory).rstrip("/") + "/"
        found = sorted(p for p in self.files if p.startswith(base) or base == "//")
        if not found:
            raise ServiceError(f"no files under {directory!r}")
        return found

    def read_file(self, path: str) -> str:
        """Read a file's content.

        Args:
            path: absolute file path.
        """
        path = _norm(path)
        if path not in self.files:
            raise ServiceError(f"no such file: {path}")
        return self.files[path]

    def write_file(self, path: str, content: str) -> str:
        """Create or overwrite a file.

        Args:
            path: absolute file path.
            content: the new content.
        """
        path = _norm(path)
        self.files[path] = content
        self.log("write_file", path=path, content=content)
        return f"wrote {len(content)} characters to {path}"

    def move_file(self, source: str, destination: str) -> str:
        """Move (or rename) a file; a destination ending in '/' keeps the file name.

        Args:
            source: absolute path of the file to move.
            destination: new absolute path, or a directory ending in '/'.
        """
        src = _norm(source)
        if src not in self.files:
            raise ServiceError(f"no such file: {src}")
        dest = destination
        if dest.endswith("/"):
            dest = dest + posixpath.basename(src)
        dest = _norm(dest)
        if dest in self.files:
            raise ServiceError(f"destination exists: {dest}")
        self.files[dest] = self.files.pop(src)
        self.log("move_file", source=src, destination=dest)
        return f"moved {src} to {dest}"

    def delete_file(self, path: str) -> str:
        """Delete a file.

        Args:
            path: absolute file path.
        """
        path = _norm(path)
        if path not in self.files:
            raise ServiceError(f"no such file: {path}")
        del self.files[path]
        self.log("delete_file", path=path)
        return f"deleted {path}"

    def find_files(self, pattern: str) -> list[str]:
        """Find files whose name matches a glob pattern, e.g. "*.log".

        Args:
            pattern: a shell glob matched against file names.
        """
        return sorted(p for p in self.files if fnmatch.fnmatch(posixpath.basename(p), pattern))
