"""Memory cgroups for bubblewrap runs: a limit that counts all memory, where the machine allows.

An address-space rlimit (`prlimit --as`) counts mappings, not memory: pages held in a memfd,
in tmpfs files or in System V shared memory escape it (1.5 GB under a 256 MB cap was seen).
A memory cgroup charges every page, so each run (or long-lived sandbox) gets its own child
cgroup under this process's memory cgroup, with `limit_in_bytes` (v1) or `memory.max` (v2).

The host moves the launcher into the cgroup right after forking it; the launcher (a tiny
`sh` prefix) waits until it sees itself there before it execs bwrap, so no sandboxed code
runs uncharged. Creating a cgroup needs write access to this process's memory cgroup (root
on a host with a cgroup v1 memory hierarchy, or a delegated v2 subtree with the memory
controller enabled for children). Where that is missing, `MemoryCgroups.reason` says why and
the address-space limit is the only one: see docs/ARCHITECTURE.md for that gap.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time

_counter = itertools.count()
_lock = threading.Lock()


def _own_memory_cgroup() -> tuple[str, str] | str:
    """(version, directory) of this process's memory cgroup, or why there is none."""
    try:
        with open("/proc/self/cgroup") as fh:
            lines = fh.read().splitlines()
        with open("/proc/self/mountinfo") as fh:
            mounts = [line.split() for line in fh.read().splitlines()]
    except OSError as exc:
        return f"cannot read the cgroup tables: {exc}"
    v1_path = v2_path = None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if "memory" in parts[1].split(","):
            v1_path = parts[2]
        elif parts[0] == "0" and parts[1] == "":
            v2_path = parts[2]
    for fields in mounts:
        if "-" not in fields:
            continue
        sep = fields.index("-")
        root, point, fstype = fields[3], fields[4], fields[sep + 1]
        options = fields[sep + 3].split(",") if len(fields) > sep + 3 else []
        if v1_path and fstype == "cgroup" and "memory" in options:
            return "v1", _join(point, root, v1_path)
        if v2_path and fstype == "cgroup2" and not v1_path:
            return "v2", _join(point, root, v2_path)
    return "no memory cgroup is mounted here"


def _join(point: str, root: str, path: str) -> str:
    if root != "/" and path.startswith(root):
        path = path[len(root):]
    return os.path.join(point, path.lstrip("/"))


def _write(path: str, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


class RunCgroup:
    """One run's memory cgroup: the host puts the launcher in it and removes it afterwards."""

    def __init__(self, version: str, path: str) -> None:
        self.version, self.path = version, path
        self.procs = os.path.join(path, "cgroup.procs")
        # How the launcher recognises its own line in /proc/self/cgroup once it was moved.
        self.marker = os.path.basename(path)

    def add(self, pid: int) -> None:
        """Move process `pid` (the launcher, still waiting) into this cgroup."""
        _write(self.procs, str(pid))

    def oom_killed(self) -> bool:
        """Whether the kernel killed something in this cgroup for going over its limit."""
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        with contextlib.suppress(OSError, ValueError), open(os.path.join(self.path, name)) as fh:
            for line in fh:
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        return False

    def remove(self, wait: float = 2.0) -> None:
        """Remove the cgroup once its processes are gone (retried while they exit)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.01)


class MemoryCgroups:
    """Makes per-run memory cgroups under this process's own, when this machine allows it."""

    def __init__(self) -> None:
        found = _own_memory_cgroup()
        self.version: str | None = None
        self.base: str | None = None
        self.reason: str | None = None
        if isinstance(found, str):
            self.reason = found
            return
        self.version, self.base = found
        probe = None
        try:
            probe = self.create(64 << 20)
        except OSError as exc:
            self.reason = (f"cannot make a memory cgroup under {self.base} ({exc}); "
                           "run as root, or delegate a cgroup v2 subtree with memory enabled")
            self.version = self.base = None
        finally:
            if probe is not None:
                probe.remove()
        if self.base is not None:
            self._remove_stale()

    def _remove_stale(self) -> None:
        """Remove empty run cgroups of processes that died without removing them."""
        with contextlib.suppress(OSError):
            for name in os.listdir(self.base or ""):
                parts = name.split("-")
                ours = name.startswith("agent-rl-sandbox-") and len(parts) == 5
                if ours and parts[3].isdigit() and not os.path.exists(f"/proc/{parts[3]}"):
                    with contextlib.suppress(OSError):  # busy: a live run's, keep it
                        os.rmdir(os.path.join(self.base or "", name))

    @property
    def available(self) -> bool:
        return self.base is not None

    def create(self, limit_bytes: int) -> RunCgroup:
        """A fresh child cgroup capped at `limit_bytes` of memory, swap included."""
        if self.base is None or self.version is None:
            raise OSError(self.reason or "memory cgroups are unavailable")
        with _lock:
            name = f"agent-rl-sandbox-{os.getpid()}-{next(_counter)}"
        path = os.path.join(self.base, name)
        os.mkdir(path)
        try:
            if self.version == "v1":
                _write(os.path.join(path, "memory.limit_in_bytes"), str(limit_bytes))
                memsw = os.path.join(path, "memory.memsw.limit_in_bytes")
                if os.path.exists(memsw):
                    _write(memsw, str(limit_bytes))
            else:
                _write(os.path.join(path, "memory.max"), str(limit_bytes))
                swap = os.path.join(path, "memory.swap.max")
                if os.path.exists(swap):
                    _write(swap, "0")
        except OSError:
            with contextlib.suppress(OSError):
                os.rmdir(path)
            raise
        return RunCgroup(self.version, path)


def launcher(cgroup: RunCgroup) -> list[str]:
    """An argv prefix that waits until the host has moved it into `cgroup`, then execs the
    rest (sh builtins only: nothing forks while it waits)."""
    # The exec stays outside the loop that reads /proc/self/cgroup: inside, its stdin would
    # be that file instead of the program's. After 20,000 looks (seconds) without being moved
    # (the host died in between) it gives up rather than spin with no parent.
    script = (
        'm="$0"; i=0; while [ $i -lt 20000 ]; do f=; while IFS= read -r l; do case "$l" in '
        '*"/$m") f=1;; esac; done < /proc/self/cgroup; [ -n "$f" ] && exec "$@"; '
        "i=$((i+1)); done; exit 125"
    )
    return ["/bin/sh", "-c", script, cgroup.marker]


_shared: MemoryCgroups | None = None
_shared_lock = threading.Lock()


def memory_cgroups() -> MemoryCgroups:
    """The process-wide detector (probed once)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MemoryCgroups()
        return _shared
