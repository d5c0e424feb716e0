"""Cleaning a sandbox for reuse: code that runs *inside* the sandbox (stdlib only, Python 3.8+).

One implementation for every place that reuses a sandbox: the Docker backend's bootstrap
(`agent_rl.tools.sandbox.docker.BOOTSTRAP` is this file's source plus a few lines), the code env's warm
test harness (`envs/code/harness.py`, which ships this file next to itself) and, on the host,
the bubblewrap backend's uid sweep (`agent_rl.tools.sandbox.process`).

A reused sandbox is clean when no process of the sandbox uid is left but the caller (and the
sandbox's init), its scratch directories (`SCRATCH_DIRS`: every place it can write) are empty
and its IPC namespace holds no System V object. A solution runs as that uid without
capabilities, so it can neither make a process of another uid nor a file it cannot remove
once its directories are made writable again.
"""

from __future__ import annotations

import os
import signal
import time


def live_pids(uid: int, exclude: tuple = ()) -> list:
    """Pids of `uid` in this pid namespace, minus `exclude`; zombies are skipped (they are
    dead: an orphan waits in that state until its init reaps it, and holds nothing)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            if os.stat("/proc/" + name).st_uid != uid:
                continue
            with open("/proc/" + name + "/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def kill_all_others(rounds: int = 200) -> bool:
    """SIGKILL every process this one may signal (its uid's, in its pid namespace) and reap
    its own children, until none of its uid is left but itself and pid 1; False if some
    survive (a fork racing the kill is caught by the next round).

    Only for a sandbox's own pid namespace: kill(-1) reaches every process the caller may
    signal, so as root (on a host) it would end everything; it refuses to run as root.
    """
    me, uid = os.getpid(), os.getuid()
    if uid == 0:
        raise PermissionError("kill_all_others refuses to run as root")
    for _ in range(rounds):
        try:
            os.kill(-1, signal.SIGKILL)  # all we may signal, except ourselves and init
        except OSError:
            pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if not live_pids(uid, (1, me)):
            return True
        time.sleep(0.005)
    return False


SCRATCH_DIRS = ("/work", "/tmp", "/dev/shm", "/dev/mqueue")
"""Every place a sandboxed program can write (the rest of the filesystem is read-only)."""


def remove_ipc() -> bool:
    """Remove every System V IPC object (shared memory, message queue, semaphore set) this
    namespace holds; True when none is left.

    They live in the IPC namespace, not in a process or a file, so a reused sandbox would
    hand one program's segments to the next. Run after `kill_all_others` (a segment that is
    still attached is only marked for removal).
    """
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    remove = {"shm": lambda i: libc.shmctl(i, 0, None), "msg": lambda i: libc.msgctl(i, 0, None),
              "sem": lambda i: libc.semctl(i, 0, 0)}  # IPC_RMID is 0 for all three

    def ids(kind: str) -> list:
        try:
            with open("/proc/sysvipc/" + kind) as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            return []
        return [int(row.split()[1]) for row in rows if len(row.split()) > 1]

    for kind, rm in remove.items():
        for ident in ids(kind):
            rm(ident)
    return not any(ids(kind) for kind in remove)


def wipe(top: str, keep: tuple = ()) -> bool:
    """Remove everything under `top` but the paths in `keep`; True when nothing else is left.

    Directories are made accessible first, so one the program made unreadable (mode 000)
    cannot hide files from the clean-up.
    """
    for root, dirs, _files in os.walk(top):
        for name in dirs:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o700)
                except OSError:
                    pass
    for root, dirs, files in os.walk(top, topdown=False):
        for name in files + dirs:
            path = os.path.join(root, name)
            if path in keep:
                continue
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                else:
                    os.unlink(path)
            except OSError:
                pass
    try:
        left = [n for n in os.listdir(top) if os.path.join(top, n) not in keep]
    except OSError:
        return False
    return not left


def install_seccomp(program_b64: str) -> None:
    """Install a seccomp filter (classic BPF, base64; see `tools/sandbox/seccomp.py`) on this
    process and everything it will exec. Needs no privilege: no_new_privs is set first.
    Raises OSError when the kernel refuses it (the caller must not run the program then)."""
    import base64
    import ctypes

    program = base64.b64decode(program_b64)
    if not program:
        return

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_char_p))
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
