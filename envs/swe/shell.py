"""The agent's shell: commands run in a sandbox that sees the workspace read-write at /testbed.

- `BwrapShell`: the project's bubblewrap sandbox (`agent_rl.tools.sandbox.BwrapSandbox`: no
  network, own pid namespace, rlimits, unprivileged uid) with the workspace bind-mounted at
  /testbed as the working directory; the host toolchain (/usr) is read-only.
- `DockerShell`: one container per episode from the SWE environment image (no network, memory
  and pid limits, SIGKILL stop, all capabilities dropped), the workspace bind-mounted at
  /testbed; containers are started ahead in a warm pool, each with its own empty workspace
  directory, so an episode only has to fill it.
Both return `SandboxResult`s; output and time are bounded by the shell's limits.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from agent_rl.tools.sandbox import BwrapSandbox, Limits, SandboxResult
from agent_rl.tools.sandbox.base import BASE_ENV, WORK_DIR, OutputBuffer, infra_result
from agent_rl.tools.sandbox.docker import raw_socket, read_frames

TESTBED = "/testbed"
SHELL_ENV = {
    "HOME": "/tmp",
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "safe.directory",
    "GIT_CONFIG_VALUE_0": "*",
    "PYTHONDONTWRITEBYTECODE": "1",
}
DEFAULT_LIMITS = Limits(timeout=60, memory_mb=1024, max_processes=64, disk_mb=64,
                        max_output_bytes=64 << 10)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _BoundBwrap(BwrapSandbox):
    """BwrapSandbox with one host directory bound read-write at /testbed (the cwd)."""

    def __init__(self, workdir: Path, limits: Limits) -> None:
        super().__init__(limits)
        self.workdir = str(workdir)

    def _prepare(self, argv: list[str], files: dict[str, bytes], limits: Limits,
                 env: dict[str, str]) -> Any:
        prep = super()._prepare(argv, files, limits, env)
        args = prep.argv
        at = args.index("--remount-ro")
        args[at:at] = ["--bind", self.workdir, TESTBED]
        chdir = args.index("--chdir", at)
        if args[chdir + 1] == WORK_DIR:
            args[chdir + 1] = TESTBED
        return prep


class BwrapShell:
    """Shell commands under bubblewrap in the workspace."""

    name = "bwrap"

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._sandbox: _BoundBwrap | None = None

    def attach(self, workdir: Path) -> None:
        self._sandbox = _BoundBwrap(workdir, self.limits)

    def available(self) -> str | None:
        probe = BwrapSandbox(self.limits)
        try:
            return probe.available()
        finally:
            probe.close()

    def run(self, command: str, timeout: float | None = None) -> SandboxResult:
        if self._sandbox is None:
            return infra_result(self.name, "the shell has no workspace (reset the env)")
        return self._sandbox.run(["/bin/bash", "-c", command], timeout=timeout,
                                 env=SHELL_ENV)

    def detach(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def close(self) -> None:
        self.detach()


class DockerPool:
    """Started containers of the SWE environment image, each with its own empty workspace dir
    bound at /testbed; shared by every Docker shell of a process (`DockerPool.shared`).

    Args:
        image: the environment image (default: `images.ENV_IMAGE`).
        warm: containers kept started ahead.
        limits: memory and pid limits of each container.
    """

    _shared: ClassVar[dict[tuple[str, int], DockerPool]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, image: str | None = None, *, warm: int = 1,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        from agent_rl.envs.swe.images import ENV_IMAGE

        self.image = image or ENV_IMAGE
        self.warm = warm
        self.limits = limits
        self._client: Any = None
        self._pool: collections.deque[tuple[Any, Path]] = collections.deque()
        self._lock = threading.Lock()
        self._closed = False
        self.stats: dict[str, Any] = {"warm": 0, "cold": 0, "start_s": []}

    @classmethod
    def shared(cls, image: str | None = None, warm: int = 1) -> DockerPool:
        """One pool per image and size in this process (closed at exit)."""
        from agent_rl.envs.swe.images import ENV_IMAGE

        key = (image or ENV_IMAGE, warm)
        with cls._shared_lock:
            if key not in cls._shared:
                pool = cls(key[0], warm=warm)
                cls._shared[key] = pool
                atexit.register(pool.close)
            return cls._shared[key]

    @property
    def client(self) -> Any:
        if self._client is None:
            import docker

            self._client = docker.from_env(timeout=60)
            self._remove_orphans()
        return self._client

    def _remove_orphans(self) -> None:
        """Remove shell containers whose owning process died without closing them."""
        with contextlib.suppress(Exception):
            for info in self._client.api.containers(all=True,
                                                    filters={"label": "agent-rl.swe=shell"}):
                owner = (info.get("Labels") or {}).get("agent-rl.swe.owner", "")
                if owner.isdigit() and not _pid_alive(int(owner)):
                    self._client.api.remove_container(info["Id"], force=True)

    def available(self) -> str | None:
        try:
            self.client.ping()
            self.client.images.get(self.image)
        except Exception as exc:
            return f"docker shell unavailable ({self.image}): {exc}"
        return None

    def _start(self) -> tuple[Any, Path]:
        home = Path(tempfile.mkdtemp(prefix="agent-rl-swe-dk-"))
        os.chmod(home, 0o711)
        workdir = home / "testbed"
        workdir.mkdir()
        os.chmod(workdir, 0o777)
        try:
            container = self.client.containers.run(
                self.image, ["sleep", "infinity"], detach=True, network_mode="none",
                mem_limit=f"{self.limits.memory_mb}m",
                memswap_limit=f"{self.limits.memory_mb}m",
                pids_limit=self.limits.max_processes, cap_drop=["ALL"],
                security_opt=["no-new-privileges"], init=True, stop_signal="SIGKILL",
                user="65534:65534", working_dir=TESTBED, environment={**BASE_ENV, **SHELL_ENV},
                volumes={str(workdir): {"bind": TESTBED, "mode": "rw"}},
                labels={"agent-rl.swe": "shell", "agent-rl.swe.owner": str(os.getpid())},
            )
        except Exception:
            shutil.rmtree(home, ignore_errors=True)
            raise
        return container, workdir

    def fill(self) -> None:
        """Start containers until the pool holds `warm`."""
        while True:
            with self._lock:
                if self._closed or len(self._pool) >= self.warm:
                    return
            started = self._start()
            with self._lock:
                if not self._closed:
                    self._pool.append(started)
                    continue
            self.remove(started)  # closed meanwhile: nothing outlives the pool
            return

    def take(self) -> tuple[Any, Path]:
        """A started container (warm if the pool has one) and its empty workspace dir."""
        t0 = time.monotonic()
        with self._lock:
            item = self._pool.popleft() if self._pool else None
        self.stats["warm" if item else "cold"] += 1
        item = item or self._start()
        self.stats["start_s"].append(round(time.monotonic() - t0, 4))
        if self.warm:
            threading.Thread(target=self._refill_quietly, daemon=True).start()
        return item

    def _refill_quietly(self) -> None:
        with contextlib.suppress(Exception):
            self.fill()

    def remove(self, item: tuple[Any, Path]) -> None:
        """Kill and remove a container (never reused: an episode's files and processes go)."""
        with contextlib.suppress(Exception):
            item[0].remove(force=True)
        shutil.rmtree(item[1].parent, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = list(self._pool), collections.deque()
        for item in pool:
            self.remove(item)


class DockerShell:
    """Shell commands in a per-episode container taken from a `DockerPool`.

    Args:
        pool: the pool (default: the process's shared pool of the environment image).
        warm: with no pool, the size of a private pool (closed with the shell).
        limits: timeout and output limits of each command.
    """

    name = "docker"

    def __init__(self, pool: DockerPool | None = None, *, warm: int | None = None,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self._own = pool is None and warm is not None
        self.pool = pool or (DockerPool(warm=warm) if warm is not None else DockerPool.shared())
        self.limits = limits
        self._current: tuple[Any, Path] | None = None

    @property
    def stats(self) -> dict[str, Any]:
        return self.pool.stats

    def available(self) -> str | None:
        return self.pool.available()

    def fill(self) -> None:
        self.pool.fill()

    def take(self) -> Path:
        """A container for the next episode; returns its (empty) workspace dir."""
        self.detach()
        self._current = self.pool.take()
        return self._current[1]

    def run(self, command: str, timeout: float | None = None) -> SandboxResult:
        if self._current is None:
            return infra_result(self.name, "the shell has no container (reset the env)")
        container = self._current[0]
        limit = timeout or self.limits.timeout
        start = time.monotonic()
        wrapped = ["timeout", "-s", "KILL", str(max(1, int(limit))), "/bin/bash", "-c", command]
        cap = self.limits.max_output_bytes
        out, err = OutputBuffer(cap), OutputBuffer(cap)
        api = self.pool.client.api
        try:
            exec_id = api.exec_create(container.id, wrapped, workdir=TESTBED,
                                      user="65534:65534")["Id"]
            sock = raw_socket(api.exec_start(exec_id, socket=True))
            try:
                # Read as it comes, at most 16x the cap (a flood ends the command, it does not
                # fill the host's memory); the in-container `timeout` ends it at the limit.
                ending = read_frames(sock, start + limit + 10, out, err, 16 * cap)
            finally:
                sock.close()  # past the cap: the command's next write gets SIGPIPE
            exit_code = _exec_exit_code(api, exec_id, wait=2.0 if ending != "eof" else 0.0)
        except Exception as exc:
            return infra_result(self.name, f"docker exec failed: {exc}",
                                time.monotonic() - start)
        timed_out = ending == "timeout" or (
            exit_code == 137 and time.monotonic() - start >= limit)
        return SandboxResult(
            exit_code=None if timed_out else exit_code,
            stdout=out.text(), stderr=err.text(),
            timed_out=timed_out, duration=time.monotonic() - start,
            output_truncated=out.truncated or err.truncated, backend=self.name)

    def detach(self) -> None:
        """End the episode's container (killed and removed: nothing is reused)."""
        current, self._current = self._current, None
        if current is not None:
            self.pool.remove(current)

    def close(self) -> None:
        self.detach()
        if self._own:
            self.pool.close()


def _exec_exit_code(api: Any, exec_id: str, wait: float) -> int | None:
    """An exec's exit code, waiting up to `wait` s for it to end (None if still running)."""
    deadline = time.monotonic() + wait
    while True:
        info = api.exec_inspect(exec_id)
        if not info.get("Running") or time.monotonic() >= deadline:
            return None if info.get("Running") else info.get("ExitCode")
        time.sleep(0.05)
