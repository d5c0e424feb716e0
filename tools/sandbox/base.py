"""The sandbox protocol: run untrusted code with files, stdin and limits; get a `SandboxResult`.

A program that fails (non-zero exit, timeout, out of memory) is a normal result. A failure of the
sandbox itself (bubblewrap cannot start, the Docker engine is down) is an infrastructure error:
`run` returns a result with `infra_error` set (so a batch never crashes), and
`SandboxResult.raise_for_infra()` turns it into `agent_rl.errors.InfraError` for callers that
prefer an exception. Envs must never score an infra error as a 0 reward.
"""

from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import dataclasses
import math
import posixpath
import select
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent_rl.errors import ConfigError, InfraError

if TYPE_CHECKING:
    from agent_rl.tools.sandbox.session import PythonSession

Command = str | Sequence[str]
Files = Mapping[str, str | bytes]

WORK_DIR = "/work"
# The whole environment of a sandboxed program (plus what the caller passes): none of the host's.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORK_DIR,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run.

    Attributes:
        timeout: wall-clock seconds before everything in the sandbox is killed.
        memory_mb: memory cap: a memory cgroup (all memory) under Docker, and under bubblewrap
            where the machine allows it; else the address-space rlimit alone (see
            `BwrapSandbox.memory_limit` and docs/ARCHITECTURE.md for that fallback's gap).
        max_processes: processes and threads the program may have at once.
        disk_mb: size of the writable work dir (and of /tmp).
        max_output_bytes: bytes of stdout and of stderr kept (the rest is cut, with a marker).
        max_open_files: open file descriptors per process.
    """

    timeout: float = 10.0
    memory_mb: int = 512
    max_processes: int = 64
    disk_mb: int = 64
    max_output_bytes: int = 1 << 20
    max_open_files: int = 256

    @property
    def cpu_seconds(self) -> int:
        """The CPU-time rlimit that goes with `timeout` (a second over it, whole seconds): a
        busy program is killed by the kernel even if the host's own deadline were missed."""
        return math.ceil(self.timeout) + 1

    def replace(self, **changes: Any) -> Limits:
        """A copy with the non-None `changes` applied and checked."""
        updated = dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
        updated.check()
        return updated

    def check(self) -> None:
        for name in ("timeout", "memory_mb", "max_processes", "disk_mb", "max_output_bytes",
                     "max_open_files"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"must be a positive number, got {value!r}",
                                  key=f"sandbox.{name}")
        if self.max_processes < 4:
            raise ConfigError("must be at least 4 (the sandbox itself needs a few)",
                              key="sandbox.max_processes")


@dataclass
class SandboxResult:
    """What happened to one program.

    Attributes:
        exit_code: the program's exit status (128+N when killed by signal N; None if it never ran
            or was killed for the time limit).
        stdout, stderr: decoded output (UTF-8, invalid bytes replaced), cut at the output limit.
        timed_out: the wall-clock limit killed it.
        oom: it ran out of memory (killed by the memory cgroup, or a MemoryError).
        duration: wall seconds from start to verdict.
        infra_error: set when the sandbox itself failed: the program's outcome is unknown.
        output_truncated: stdout or stderr exceeded the output limit.
        backend: which sandbox ran it.
    """

    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    oom: bool = False
    duration: float = 0.0
    infra_error: str | None = None
    output_truncated: bool = False
    backend: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The program ran to completion with exit status 0."""
        return self.exit_code == 0 and not self.timed_out and self.infra_error is None

    def raise_for_infra(self) -> SandboxResult:
        """Raise InfraError if the sandbox itself failed; return self otherwise."""
        if self.infra_error is not None:
            raise InfraError(f"sandbox ({self.backend}) failed: {self.infra_error}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def summary(self) -> str:
        """A short text for a model: status line, then stdout and stderr."""
        if self.infra_error:
            status = f"sandbox error: {self.infra_error}"
        elif self.timed_out:
            status = f"timed out after {self.duration:.1f} s"
        elif self.oom:
            status = "killed: out of memory"
        else:
            status = f"exit code {self.exit_code}"
        parts = [status]
        if self.stdout:
            parts.append(f"stdout:\n{self.stdout}")
        if self.stderr:
            parts.append(f"stderr:\n{self.stderr}")
        return "\n".join(parts)


def infra_result(backend: str, message: str, duration: float = 0.0) -> SandboxResult:
    return SandboxResult(exit_code=None, infra_error=message, duration=duration, backend=backend)


def check_files(files: Files | None) -> dict[str, bytes]:
    """Normalise `files` to relative POSIX paths inside the work dir, as bytes."""
    out: dict[str, bytes] = {}
    for path, content in (files or {}).items():
        if not isinstance(path, str) or not path:
            raise ConfigError(f"file names must be non-empty strings, got {path!r}",
                              key="sandbox.files")
        norm = posixpath.normpath(path)
        if norm.startswith("/") or norm == ".." or norm.startswith("../") or norm == ".":
            raise ConfigError(
                f"file {path!r} must be a relative path inside the work dir", key="sandbox.files"
            )
        if isinstance(content, str):
            content = content.encode("utf-8")
        elif not isinstance(content, (bytes, bytearray)):
            raise ConfigError(f"content of {path!r} must be str or bytes", key="sandbox.files")
        out[norm] = bytes(content)
    return out


def to_argv(command: Command) -> list[str]:
    """A shell string runs under /bin/sh -c; a sequence is the argv itself."""
    if isinstance(command, str):
        return ["/bin/sh", "-c", command]
    argv = [str(a) for a in command]
    if not argv:
        raise ConfigError("empty command", key="sandbox.command")
    return argv


def to_stdin(stdin: str | bytes | None) -> bytes:
    if stdin is None:
        return b""
    return stdin.encode("utf-8") if isinstance(stdin, str) else bytes(stdin)


class OutputBuffer:
    """Keeps the first `limit` bytes of a stream and counts the rest (which it drops)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.kept = 0
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - self.kept
        if room > 0:
            piece = data[:room]
            self.chunks.append(piece)
            self.kept += len(piece)

    @property
    def truncated(self) -> bool:
        return self.total > self.kept

    def text(self) -> str:
        text = b"".join(self.chunks).decode("utf-8", errors="replace")
        if self.truncated:
            text += f"\n...[truncated {self.total - self.kept} bytes]..."
        return text


MAX_LINE_BYTES = 16 << 20
"""Default cap of one protocol line read from a long-lived sandboxed process."""


class LineTooLong(ValueError):
    """A sandboxed process wrote a protocol line longer than the reader's cap."""


class LineBuffer:
    """Splits a byte stream into lines in linear time, refusing any line over `limit` bytes.

    The other end is untrusted: a program that gets hold of a protocol stream can write
    hundreds of MB without a newline. Each byte is scanned once (the search resumes where the
    last one stopped) and the buffer never holds much more than `limit` bytes.
    """

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._data = bytearray()
        self._scanned = 0

    def feed(self, data: bytes) -> None:
        self._data += data

    def pop_line(self) -> bytes | None:
        """The next complete line (without its newline), or None until one has arrived.

        Raises LineTooLong once a line is longer than the limit.
        """
        end = self._data.find(b"\n", self._scanned)
        if end < 0:
            self._scanned = len(self._data)
            if self._scanned > self.limit:
                raise LineTooLong(f"a line longer than {self.limit} bytes")
            return None
        if end > self.limit:
            raise LineTooLong(f"a line longer than {self.limit} bytes")
        line = bytes(self._data[:end])
        del self._data[: end + 1]  # O(1): a bytearray drops its head in place
        self._scanned = 0
        return line


def wait_readable(fileobj: Any, deadline: float) -> None:
    """Block until `fileobj` (an fd, file or socket) can be read; TimeoutError at `deadline`."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([fileobj], [], [], remaining)[0]:
        raise TimeoutError


def looks_like_oom(stderr: str, exit_code: int | None) -> bool:
    """A MemoryError (address-space limit) or a kill by SIGKILL attributed to memory."""
    tail = stderr[-2000:]
    return "MemoryError" in tail or "Cannot allocate memory" in tail or "bad_alloc" in tail


class Sandbox(abc.ABC):
    """Runs commands in isolation. Subclasses implement `_run`; the rest is shared.

    Args:
        limits: default limits for each run (each call may override them).
        max_concurrency: runs at once in this sandbox (the rest wait); default 2x the CPUs.
    """

    name = "abstract"

    def __init__(self, limits: Limits | None = None, *, max_concurrency: int | None = None) -> None:
        import os

        self.limits = limits or Limits()
        self.limits.check()
        self.max_concurrency = max_concurrency or max(2, 2 * (os.cpu_count() or 1))
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    @abc.abstractmethod
    def _run(self, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits,
             env: dict[str, str]) -> SandboxResult:
        """Run one argv; must honour every limit and never raise for program failures."""

    def available(self) -> str | None:
        """None when this backend can run here, else the reason it cannot."""
        return None

    def run(
        self,
        command: Command,
        *,
        files: Files | None = None,
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,
        max_processes: int | None = None,
        env: Mapping[str, str] | None = None,
        **limits: Any,
    ) -> SandboxResult:
        """Run `command` (argv list, or a /bin/sh string) in a fresh work dir holding `files`."""
        effective = self.limits.replace(
            timeout=timeout, memory_mb=memory_mb, max_processes=max_processes, **limits
        )
        return self._run(to_argv(command), check_files(files), to_stdin(stdin), effective,
                         dict(env or {}))

    def run_python(self, source: str, *, args: Sequence[str] = (), files: Files | None = None,
                   **kwargs: Any) -> SandboxResult:
        """Run Python `source` as /work/main.py with the sandbox's python3."""
        all_files = {**(files or {}), "main.py": source}
        return self.run(["python3", "main.py", *args], files=all_files, **kwargs)

    def _workers(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self.max_concurrency, thread_name_prefix=f"sandbox-{self.name}"
            )
        return self._executor

    async def arun(self, command: Command, **kwargs: Any) -> SandboxResult:
        """Async `run`: runs in this sandbox's worker pool (its size is the concurrency cap)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers(), lambda: self.run(command, **kwargs))

    async def arun_python(self, source: str, **kwargs: Any) -> SandboxResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers(),
                                          lambda: self.run_python(source, **kwargs))

    # -- long-lived processes: the optional part of the protocol ------------------------------
    supports_spawn: bool = False
    """True for backends that can keep a process alive across calls (`spawn`): they host
    `PythonSession`s and the code env's warm test harness. Callers check this flag, never
    `hasattr`."""

    def spawn(self, argv: list[str], files: dict[str, bytes], limits: Limits,
              env: dict[str, str]) -> Any:
        """Start a long-lived process in a fresh sandbox, talking over its stdin/stdout.

        Returns a process object with `stdin`, `stdout`, `stderr`, `poll()`, `wait()`,
        `kill()`. Only backends with `supports_spawn` implement it.
        """
        raise NotImplementedError(f"the {self.name} sandbox cannot keep a process alive")

    def session(self, **kwargs: Any) -> PythonSession:
        """A persistent Python interpreter inside this sandbox (see `PythonSession`)."""
        from agent_rl.tools.sandbox.session import PythonSession

        return PythonSession(self, **kwargs)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self, argv: list[str]) -> str:
        return f"{self.name}: {shlex.join(argv)}"
