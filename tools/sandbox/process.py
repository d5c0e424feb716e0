"""Running a host process under a deadline with capped output, and sweeping what it leaves.

Shared by the bubblewrap backend (one selector loop per run: no reader threads, so many runs
in parallel cost little) and by the benchmark's plain-subprocess baseline.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import fcntl
import os
import random
import selectors
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_rl.tools.sandbox.base import OutputBuffer
from agent_rl.tools.sandbox.inside import live_pids


@dataclass
class ProcessOutcome:
    returncode: int | None
    stdout: OutputBuffer
    stderr: OutputBuffer
    side: bytes
    timed_out: bool
    duration: float
    spawn_error: str | None = None


_lifetime_executor: concurrent.futures.ThreadPoolExecutor | None = None
_lifetime_lock = threading.Lock()


def popen_for_process_lifetime(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen:
    """`subprocess.Popen(argv, **kwargs)` forked from one thread that lives as long as this
    process.

    A child tied to its parent with PR_SET_PDEATHSIG (bwrap's `--die-with-parent`, a worker's
    own `prctl`) is signalled when the *thread* that forked it exits, not the process. Callers
    run on short-lived threads (tool calls, executors), so long-lived children are forked
    here: they die with this process (even when it is SIGKILLed), not with a caller's thread.
    """
    global _lifetime_executor
    with _lifetime_lock:
        if _lifetime_executor is None:
            _lifetime_executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="lifetime-spawner"
            )
        executor = _lifetime_executor
    return executor.submit(subprocess.Popen, list(argv), **kwargs).result()


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of `proc` (it was started in its own session) and `proc`."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        proc.kill()


def run_process(
    argv: Sequence[str],
    *,
    stdin: bytes,
    timeout: float,
    max_output_bytes: int,
    pass_fds: Sequence[int] = (),
    side_fd: int | None = None,
    user: int | None = None,
    group: int | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    close_after_spawn: Sequence[int] = (),
    after_spawn: Callable[[int], None] | None = None,
) -> ProcessOutcome:
    """Run argv with `stdin`, keep up to `max_output_bytes` of each stream, kill at `timeout`.

    `side_fd` is the read end of an extra pipe (bwrap's JSON status) drained in the same loop;
    `close_after_spawn` are our copies of fds handed to the child (so their pipes can reach EOF).
    `after_spawn(pid)` runs right after the fork (say, to put the child in a cgroup); if it
    raises OSError the child is killed and the outcome is a spawn error.
    Output past 16x the limit kills the program: it would only burn the time limit.
    """
    start = time.monotonic()
    out, err = OutputBuffer(max_output_bytes), OutputBuffer(max_output_bytes)
    side = bytearray()
    kwargs: dict = {}
    if user is not None:
        kwargs.update(user=user, group=group, extra_groups=[])
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
            env=env if env is not None else {"PATH": "/usr/local/bin:/usr/bin:/bin"},
            cwd=cwd,
            **kwargs,
        )
    except OSError as exc:
        return ProcessOutcome(None, out, err, b"", False, time.monotonic() - start,
                              spawn_error=f"cannot start {argv[0]}: {exc}")
    finally:
        for fd in close_after_spawn:
            with contextlib.suppress(OSError):
                os.close(fd)
    if after_spawn is not None:
        try:
            after_spawn(proc.pid)
        except OSError as exc:
            kill_group(proc)
            proc.communicate()
            return ProcessOutcome(None, out, err, b"", False, time.monotonic() - start,
                                  spawn_error=f"cannot set up {argv[0]}: {exc}")
    deadline = start + timeout
    timed_out = False
    sel = selectors.DefaultSelector()
    assert proc.stdin and proc.stdout and proc.stderr
    streams = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    for fd in streams:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    if side_fd is not None:
        os.set_blocking(side_fd, False)
        sel.register(side_fd, selectors.EVENT_READ)
    pending = memoryview(stdin)
    stdin_fd = proc.stdin.fileno()
    if pending:
        os.set_blocking(stdin_fd, False)
        sel.register(stdin_fd, selectors.EVENT_WRITE)
    else:
        proc.stdin.close()
    open_readers = len(streams) + (1 if side_fd is not None else 0)
    exited_at: float | None = None
    hard_cap = 16 * max_output_bytes
    try:
        while open_readers > 0:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                kill_group(proc)
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            # The main process is gone but something still holds the pipes: give it a moment.
            if exited_at is not None and now - exited_at > 0.25:
                kill_group(proc)
                break
            wait = min(deadline - now, 0.05 if exited_at is not None else 0.25)
            for key, events in sel.select(wait):
                fd = key.fd
                if events & selectors.EVENT_WRITE:
                    try:
                        written = os.write(fd, pending[:65536])
                        pending = pending[written:]
                    except (BrokenPipeError, OSError):
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                        proc.stdin.close()
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(fd)
                    open_readers -= 1
                    continue
                if fd == side_fd:
                    side.extend(chunk)
                else:
                    streams[fd].feed(chunk)
                    if out.total + err.total > hard_cap:
                        kill_group(proc)
    finally:
        sel.close()
        with contextlib.suppress(OSError):
            proc.stdin.close()
    try:
        returncode = proc.wait(timeout=max(0.5, deadline + 1 - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_group(proc)
        returncode = proc.wait()
    # Anything still buffered in the pipes after the kill.
    for fd, buf in streams.items():
        with contextlib.suppress(OSError):
            while chunk := os.read(fd, 65536):
                buf.feed(chunk)
                if buf.total > hard_cap:
                    break
    if side_fd is not None:
        with contextlib.suppress(OSError):
            while chunk := os.read(side_fd, 65536):
                side.extend(chunk)
    proc.stdout.close()
    proc.stderr.close()
    return ProcessOutcome(returncode, out, err, bytes(side), timed_out,
                          time.monotonic() - start)


def sweep_uid(uid: int, wait: float = 2.0) -> list[int]:
    """Kill every process of `uid` until none is left or `wait` passes; return the survivors."""
    deadline = time.monotonic() + wait
    while True:
        pids = live_pids(uid)
        if not pids or time.monotonic() > deadline:
            return pids
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


class UidPool:
    """Host uids lent to one run at a time, across processes (an flock per uid).

    Each concurrent run gets its own uid so RLIMIT_NPROC (which counts per uid) is a per-run
    process cap, and so everything a run left behind can be found and killed by uid.
    """

    def __init__(self, base: int = 61000, size: int = 2000,
                 lock_dir: str | None = None) -> None:
        self.base, self.size = base, size
        self.lock_dir = lock_dir or os.path.join(tempfile.gettempdir(), "agent-rl-sandbox-uids")
        os.makedirs(self.lock_dir, mode=0o700, exist_ok=True)
        self._lock = threading.Lock()
        self._held: dict[int, int] = {}
        self._quarantined: set[int] = set()

    def acquire(self) -> int:
        offset = random.randrange(self.size)
        with self._lock:
            for i in range(self.size):
                uid = self.base + (offset + i) % self.size
                if uid in self._held or uid in self._quarantined:
                    continue
                fd = os.open(os.path.join(self.lock_dir, str(uid)), os.O_CREAT | os.O_RDWR,
                             0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    os.close(fd)
                    if exc.errno in (errno.EAGAIN, errno.EACCES):
                        continue
                    raise
                # A holder that died without releasing (killed hard) may have left processes.
                if sweep_uid(uid):
                    self._quarantined.add(uid)
                    self._held[uid] = fd
                    continue
                self._held[uid] = fd
                return uid
        raise OSError("no free sandbox uid")

    def release(self, uid: int) -> None:
        """Sweep the uid's leftovers and give it back (or keep it out if something survives)."""
        survivors = sweep_uid(uid)
        with self._lock:
            fd = self._held.pop(uid, None)
            if survivors:  # keep the lock too, so no other process lends this uid either
                self._quarantined.add(uid)
            elif fd is not None:
                os.close(fd)
