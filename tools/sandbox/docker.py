"""The Docker backend: containers of a locally built image, started ahead and reused warm.

Each container: no network, memory (and swap) and pids limits from the cgroup, read-only root
filesystem with size-capped tmpfs at /work and /tmp, programs run as uid 65534 with all
capabilities dropped and no-new-privileges, an init process (so killing the container ends
everything at once), rlimits for CPU, file size, fds, and the project's seccomp filter stacked
on Docker's own profile (`tools/sandbox/seccomp.py`).

Warm reuse: each container's main process is a runner (`tools/sandbox/runner.py`) that serves
one run per request on the container's attached stdio, so a warm run costs a fork and the
program (14-18 ms for `python3 -c pass`, 1.3-1.4x a plain subprocess) instead of a `docker exec`
(~55 ms for `/bin/true` alone, ~0.1 s with the bootstrap; `runner=False` keeps that path).
After each run every leftover process of the sandbox uid is killed, System V IPC objects are
removed and /work, /tmp, /dev/shm and /dev/mqueue are emptied (the root-owned init and runner
are out of the sandbox uid's reach); a container that cannot be cleaned, timed out,
overflowed, got SIGKILLed or served `max_uses` runs is thrown away. Creating a container costs
~0.25 s (see benchmarks/bench_sandbox.py).

Files and stdin go in as one JSON payload (the runner's request, or the exec's stdin read by a
tiny bootstrap), because `put_archive` cannot write into a tmpfs under a read-only root.
The image is built locally by `scripts/ci_docker.sh` (no registry is reachable).
"""

from __future__ import annotations

import atexit
import base64
import collections
import concurrent.futures
import contextlib
import json
import logging
import os
import signal
import socket
import struct
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from agent_rl.tools.sandbox import inside, seccomp
from agent_rl.tools.sandbox import runner as runner_mod
from agent_rl.tools.sandbox.base import (
    BASE_ENV,
    MAX_LINE_BYTES,
    WORK_DIR,
    Limits,
    LineBuffer,
    OutputBuffer,
    Sandbox,
    SandboxResult,
    infra_result,
    looks_like_oom,
    wait_readable,
)

log = logging.getLogger(__name__)

DEFAULT_IMAGE = os.environ.get("AGENT_RL_SANDBOX_IMAGE", "agent-rl-sandbox:latest")
LABEL = "agent-rl.sandbox"
SANDBOX_USER = "65534:65534"
# Runs as the sandbox uid. First it makes a reused container clean: kills every other process
# of that uid (the container's own init and `sleep` run as root, out of its reach) and empties
# /work, /tmp and /dev/shm. Exit 125 means "could not clean": the host then throws the
# container away. Then it reads the payload from stdin, writes the files, and runs argv with
# the given stdin as a child; when that child ends it kills everything else the run started
# (as a pid namespace would) and exits with the child's status (128+N for signal N).
BOOTSTRAP = Path(inside.__file__).read_text(encoding="utf-8") + r"""
import base64, json, sys
if not kill_all_others() or not remove_ipc():
    os._exit(125)
for top in SCRATCH_DIRS:
    if os.path.isdir(top) and not wipe(top) and top not in ("/dev/shm", "/dev/mqueue"):
        os._exit(125)
p = json.loads(sys.stdin.buffer.read())
for path, data in p["files"].items():
    full = os.path.join("/work", path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(base64.b64decode(data))
if p["argv"] is None:
    os._exit(0)
child = os.fork()
if child == 0:
    fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    os.write(fd, base64.b64decode(p["stdin"]))
    os.lseek(fd, 0, 0)
    os.dup2(fd, 0)
    os.close(fd)
    os.environ.update(p["env"])
    try:
        install_seccomp(p["seccomp"])
        os.execvp(p["argv"][0], p["argv"])
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (p["argv"][0], e.strerror))
        os._exit(127)
# Like a pid namespace: when the program ends, whatever it started ends too.
for fd in (0, 1, 2):
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, fd)
    os.close(null)
status = os.waitpid(child, 0)[1]
kill_all_others()
os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
"""
CLEANUP_FAILED = 125
# The same seccomp filter as bubblewrap's (tools/sandbox/seccomp.py), stacked on Docker's own
# profile by the sandboxed side itself (no_new_privs makes that unprivileged): Docker's
# default profile lets AF_VSOCK sockets through. Empty where the filter is unsupported.
_SECCOMP = base64.b64encode(seccomp.program() or b"").decode()
# Long-lived processes (sessions, warm harness servers) start through this launcher.
# Arguments: the filter (base64), the CPU-time limit in seconds, then the program's argv.
SECCOMP_LAUNCHER = ["python3", "-I", "-S", "-c",
                    Path(inside.__file__).read_text(encoding="utf-8")
                    + "\nimport resource, sys\ninstall_seccomp(sys.argv[1])\n"
                    "resource.setrlimit(resource.RLIMIT_CPU, (int(sys.argv[2]),) * 2)\n"
                    "os.execvp(sys.argv[3], sys.argv[3:])\n"]
_HOST = socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

_live: weakref.WeakSet[DockerSandbox] = weakref.WeakSet()

# Removes this process's sandbox containers once it is gone, however it died: it waits for
# EOF on a pipe whose only writer is this process (the kernel closes it even after SIGKILL).
WATCHDOG = r"""
import os, sys
owner, host, label = sys.argv[1:4]
try:
    while os.read(0, 1 << 16):
        pass
except OSError:
    pass
import docker
client = docker.from_env(timeout=60)
wanted = [label + ".owner=" + owner, label + ".host=" + host]
for info in client.api.containers(all=True, filters={"label": wanted}):
    try:
        client.api.remove_container(info["Id"], force=True)
    except Exception:
        pass
"""
_watchdog: Any = None
_watchdog_lock = threading.Lock()


def _ensure_watchdog() -> None:
    """Start the process-wide container watchdog once (see WATCHDOG)."""
    global _watchdog
    with _watchdog_lock:
        if _watchdog is not None and _watchdog.poll() is None:
            return
        import subprocess
        import sys

        with contextlib.suppress(OSError):
            _watchdog = subprocess.Popen(
                [sys.executable, "-I", "-c", WATCHDOG, str(os.getpid()), _HOST, LABEL],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C or killpg of this process must not end it
            )


@atexit.register
def _close_all() -> None:
    for sandbox in list(_live):
        with contextlib.suppress(Exception):
            sandbox.close()


def _pool_key(limits: Limits) -> tuple:
    return (limits.memory_mb, limits.max_processes, limits.disk_mb, limits.max_open_files,
            limits.cpu_seconds)


class DockerSandbox(Sandbox):
    """Runs commands in containers of a locally built image.

    Args:
        limits: default limits per run.
        image: image name (default `agent-rl-sandbox:latest`, or $AGENT_RL_SANDBOX_IMAGE).
        warm: containers kept started ahead of time for the default limits (0: every run cold).
        reuse: put a container back in the pool after a run that ended on its own.
        max_uses: runs served by one container before it is replaced.
        runner: serve runs through a long-lived runner in each container (one request per
            run, see `tools/sandbox/runner.py`) instead of one `docker exec` per run.
        max_concurrency: runs at once.
        cpus: CPU share of each container (None: no cap).
        client: a `docker.DockerClient` (default: from the environment).
    """

    name = "docker"

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        image: str = DEFAULT_IMAGE,
        warm: int = 2,
        reuse: bool = True,
        max_uses: int = 100,
        max_concurrency: int | None = None,
        cpus: float | None = None,
        client: Any = None,
        runner: bool = True,
    ) -> None:
        super().__init__(limits, max_concurrency=max_concurrency)
        self.image = image
        self.warm = max(0, warm)
        self.reuse = reuse
        self.max_uses = max_uses
        self.cpus = cpus
        self.runner = runner
        self._runners: dict[str, tuple[socket.socket, runner_mod.RunnerStream]] = {}
        self._client = client
        self._client_error: str | None = None
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._pool: collections.deque[str] = collections.deque()
        self._uses: dict[str, int] = {}
        self._init_pids: dict[str, int] = {}
        self._pool_lock = threading.Lock()
        self._filling = 0
        self._background = concurrent.futures.ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="docker-sandbox-bg"
        )
        self._closed = False
        self._available: str | bool | None = False
        self.stats = {"warm": 0, "cold": 0, "discarded": 0}
        _live.add(self)

    # -- engine ------------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None and self._client_error is None:
            try:
                import docker

                self._client = docker.from_env(timeout=30)
            except ImportError:
                self._client_error = "the `docker` Python package is not installed"
            except Exception as exc:
                self._client_error = f"cannot reach the Docker engine: {exc}"
        if self._client is None:
            raise OSError(self._client_error)
        return self._client

    def available(self) -> str | None:
        if self._available is not False:
            return self._available  # type: ignore[return-value]
        try:
            self.client.ping()
        except Exception as exc:
            self._available = f"Docker engine not reachable: {exc}"
            return self._available
        try:
            self.client.images.get(self.image)
        except Exception as exc:
            import docker.errors

            if isinstance(exc, docker.errors.ImageNotFound):
                self._available = (f"image {self.image} not found: build it with "
                                   "`bash scripts/ci_docker.sh`")
            else:  # the engine answered something else: say what, do not guess
                self._available = (f"cannot look up image {self.image}: "
                                   f"{type(exc).__name__}: {exc}")
            return self._available
        self._available = None
        self._remove_orphans()
        self._refill()
        return None

    def _remove_orphans(self) -> None:
        """Remove sandbox containers of this host whose owning process is dead (a run that was
        killed before it could clean up), so none outlives its owner for long."""
        try:
            found = self.client.api.containers(all=True, filters={"label": f"{LABEL}.host={_HOST}"})
        except Exception:
            return
        for info in found:
            owner = (info.get("Labels") or {}).get(f"{LABEL}.owner", "")
            if owner.isdigit() and not _pid_alive(int(owner)):
                with contextlib.suppress(Exception):
                    self.client.api.remove_container(info["Id"], force=True)

    # -- containers --------------------------------------------------------------------------

    def _create(self, limits: Limits) -> str:
        from docker.types import Ulimit

        _ensure_watchdog()
        cpu = limits.cpu_seconds
        disk = limits.disk_mb
        ulimits = [
            Ulimit(name="fsize", soft=disk * 1024 * 1024, hard=disk * 1024 * 1024),
            Ulimit(name="nofile", soft=limits.max_open_files, hard=limits.max_open_files),
            Ulimit(name="core", soft=0, hard=0),
        ]
        if not self.runner:  # the runner sets the CPU limit on each program instead
            ulimits.append(Ulimit(name="cpu", soft=cpu, hard=cpu))
        kwargs: dict[str, Any] = dict(
            image=self.image,
            command=(["python3", "-I", "-S", "-c", runner_mod.RUNNER] if self.runner
                     else ["sleep", "infinity"]),
            network_mode="none",
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            pids_limit=limits.max_processes + 2,
            read_only=True,
            tmpfs={WORK_DIR: f"size={disk}m,mode=1777,exec", "/tmp": f"size={disk}m,mode=1777"},
            # init and the runner (or `sleep`) run as root so a run's cleanup cannot kill
            # them; the runner keeps only what it needs to become SANDBOX_USER, which every
            # program and exec runs as.
            user="0:0",
            cap_drop=["ALL"],
            cap_add=["SETUID", "SETGID"] if self.runner else [],
            security_opt=["no-new-privileges"],
            init=True,
            ulimits=ulimits,
            working_dir=WORK_DIR,
            environment=BASE_ENV,
            hostname="sandbox",
            labels={LABEL: "1", f"{LABEL}.owner": str(os.getpid()), f"{LABEL}.host": _HOST},
            ipc_mode="private",
            shm_size=f"{disk}m",
        )
        if self.cpus:
            kwargs["nano_cpus"] = int(self.cpus * 1e9)
        if not self.runner:
            container = self.client.containers.run(detach=True, **kwargs)
        else:
            from docker.types import LogConfig

            # No log driver: the runner's stdout carries every run's output.
            container = self.client.containers.create(
                stdin_open=True, log_config=LogConfig(type="none"), **kwargs)
            try:
                self._attach_runner(container)
            except Exception:
                with contextlib.suppress(Exception):
                    self.client.api.remove_container(container.id, force=True)
                raise
        with contextlib.suppress(Exception):
            pid = self.client.api.inspect_container(container.id)["State"]["Pid"]
            if pid:
                self._init_pids[container.id] = pid
        return container.id

    def _attach_runner(self, container: Any) -> None:
        """Attach to the (created) container's stdio, start it, wait for the runner's hello."""
        sock = raw_socket(self.client.api.attach_socket(
            container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}))
        try:
            container.start()
            stream = runner_mod.RunnerStream()
            deadline = time.monotonic() + 30
            errors = OutputBuffer(1 << 12)
            while True:
                frame = read_frame(sock, deadline)
                if frame is None:
                    raise OSError(f"the sandbox runner did not start: {errors.text().strip()}")
                if frame[0] == 2:
                    errors.feed(frame[1])
                    continue
                if any(kind == b"r" for kind, _ in stream.feed(frame[1])):
                    break
        except BaseException:
            with contextlib.suppress(OSError):
                sock.close()
            raise
        with self._pool_lock:
            self._runners[container.id] = (sock, stream)

    def _kill(self, cid: str) -> None:
        """Kill everything in the container now.

        SIGKILL to the container's init (seen from the host) ends its whole pid namespace at
        once; `docker kill` can take 10 s while the engine is still copying a flood of output.
        """
        pid = self._init_pids.get(cid)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
                return
            except ProcessLookupError:
                return
            except PermissionError:
                pass
        with contextlib.suppress(Exception):
            self.client.api.kill(cid)

    def _discard(self, container_id: str) -> None:
        self.stats["discarded"] += 1
        with self._pool_lock:
            self._uses.pop(container_id, None)
            self._init_pids.pop(container_id, None)
        self._detach_runner(container_id)

        def remove() -> None:
            with contextlib.suppress(Exception):
                self.client.api.remove_container(container_id, force=True)

        if self._closed:
            remove()
        else:
            try:
                self._background.submit(remove)
            except RuntimeError:
                remove()
            self._refill()

    def _detach_runner(self, container_id: str) -> None:
        """Forget a container's runner and close its stream (the runner then exits)."""
        with self._pool_lock:
            attached = self._runners.pop(container_id, None)
        if attached is not None:
            with contextlib.suppress(OSError):
                attached[0].close()

    def _give_back(self, container_id: str) -> None:
        """Return a container whose run ended on its own to the pool (or discard it)."""
        with self._pool_lock:
            uses = self._uses.get(container_id, 0) + 1
            keep = (self.reuse and not self._closed and uses < self.max_uses
                    and len(self._pool) < max(self.warm, 1))
            if keep:
                self._uses[container_id] = uses
                self._pool.append(container_id)
        if not keep:
            self._discard(container_id)

    def _refill(self) -> None:
        if self._closed or self.warm == 0:
            return
        with self._pool_lock:
            missing = self.warm - len(self._pool) - self._filling
            self._filling += max(missing, 0)
        for _ in range(max(missing, 0)):
            self._background.submit(self._fill_one)

    def _fill_one(self) -> None:
        try:
            cid = self._create(self.limits)
        except Exception as exc:
            log.warning("docker sandbox: cannot pre-start a container: %s", exc)
            with self._pool_lock:
                self._filling -= 1
            return
        with self._pool_lock:
            self._filling -= 1
            drop = self._closed
            if not drop:
                self._pool.append(cid)
        if drop:
            self._discard(cid)

    def _take(self, limits: Limits) -> tuple[str, bool]:
        """A started container for `limits`: a warm one if the pool has it, else a cold one."""
        if _pool_key(limits) == _pool_key(self.limits):
            with self._pool_lock:
                cid = self._pool.popleft() if self._pool else None
            if cid is not None:
                if not self.reuse:
                    self._refill()
                self.stats["warm"] += 1
                return cid, True
            self._refill()
        self.stats["cold"] += 1
        return self._create(limits), False

    # -- one run -----------------------------------------------------------------------------

    def _run(self, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits,
             env: dict[str, str]) -> SandboxResult:
        with self._slots:
            for attempt in range(3):
                start = time.monotonic()
                try:
                    cid, warm = self._take(limits)
                except Exception as exc:
                    return infra_result(self.name, f"cannot start a container: {exc}",
                                        time.monotonic() - start)
                attached = self._runners.get(cid)
                if attached is not None:
                    result, reusable = self._serve(cid, attached, warm, argv, files, stdin,
                                                   limits, env)
                else:
                    result, reusable = self._exec(cid, warm, argv, files, stdin, limits, env)
                result.extra["startup_s"] = round(time.monotonic() - start - result.duration, 4)
                # The runner reports leftovers itself (reusable is False then).
                if (reusable and self.reuse and _pool_key(limits) == _pool_key(self.limits)
                        and (attached is not None or not self._has_leftovers(cid))):
                    self._give_back(cid)
                else:
                    self._discard(cid)
                # A warm container that could not be cleaned: try again on a fresh one.
                if result.infra_error and warm and attempt < 2:
                    continue
                return result
        raise AssertionError("unreachable")

    def _serve(self, cid: str, attached: tuple[socket.socket, runner_mod.RunnerStream],
               warm: bool, argv: list[str], files: dict[str, bytes], stdin: bytes,
               limits: Limits, env: dict[str, str]) -> tuple[SandboxResult, bool]:
        """Run argv through container `cid`'s runner; the result and whether `cid` may be
        reused (the run ended on its own and the runner left the container clean)."""
        sock, stream = attached
        payload = runner_mod.request(
            {**_payload(argv, files, stdin, env), "cpu": limits.cpu_seconds})
        start = time.monotonic()
        deadline = start + limits.timeout
        out, err = OutputBuffer(limits.max_output_bytes), OutputBuffer(limits.max_output_bytes)
        runner_err = OutputBuffer(1 << 12)
        hard_cap = 16 * limits.max_output_bytes
        end: dict[str, Any] | None = None
        ending = "eof"
        try:
            sock.sendall(payload)
            while end is None:
                frame = read_frame(sock, deadline)
                if frame is None:
                    break
                if frame[0] == 2:  # the runner's own stderr: a crash of the runner
                    runner_err.feed(frame[1])
                    continue
                for kind, body in stream.feed(frame[1]):
                    if kind == b"o":
                        out.feed(body)
                    elif kind == b"e":
                        err.feed(body)
                    elif kind == b"x":
                        end = json.loads(body)
                if out.total + err.total > hard_cap:
                    ending = "overflow"
                    break
        except TimeoutError:
            ending = "timeout"
        except (OSError, ValueError) as exc:
            self._kill(cid)
            return infra_result(self.name, f"lost the runner's stream: {exc}",
                                time.monotonic() - start), False
        duration = time.monotonic() - start
        if end is None:
            self._kill(cid)
            if ending == "eof":  # the runner itself died: killed for memory, or broken
                if self._oom_killed(cid):
                    return SandboxResult(exit_code=137, stdout=out.text(), stderr=err.text(),
                                         oom=True, duration=duration, backend=self.name,
                                         extra={"warm": warm}), False
                return infra_result(self.name, "the sandbox runner died: "
                                    + (runner_err.text().strip() or "no message"),
                                    duration), False
            return self._cut_short(ending, out, err, duration, warm), False
        if end.get("setup_error"):  # before the program ran (the runner's word, not its)
            return infra_result(self.name, f"sandbox setup failed: {end['setup_error']}",
                                duration), False
        result = self._ended(cid, end.get("exit_code"), out, err, duration, warm)
        return result, bool(end.get("clean")) and result.exit_code != 137 and not result.oom

    def _cut_short(self, ending: str, out: OutputBuffer, err: OutputBuffer, duration: float,
                   warm: bool) -> SandboxResult:
        """The result of a run the host stopped: at its deadline, or for too much output."""
        return SandboxResult(
            exit_code=None if ending == "timeout" else 137, stdout=out.text(),
            stderr=err.text(), timed_out=ending == "timeout", duration=duration,
            output_truncated=out.truncated or err.truncated,
            backend=self.name, extra={"warm": warm},
        )

    def _ended(self, cid: str, exit_code: int | None, out: OutputBuffer, err: OutputBuffer,
               duration: float, warm: bool) -> SandboxResult:
        """The result of a run that ended on its own (an OOM kill told from other kills)."""
        stderr = err.text()
        oom = False
        if exit_code not in (0, None):
            oom = looks_like_oom(stderr, exit_code) or (exit_code == 137 and self._oom_killed(cid))
        return SandboxResult(
            exit_code=exit_code,
            stdout=out.text(),
            stderr=stderr,
            oom=oom,
            duration=duration,
            output_truncated=out.truncated or err.truncated,
            backend=self.name,
            extra={"warm": warm},
        )

    def _exec(self, cid: str, warm: bool, argv: list[str], files: dict[str, bytes],
              stdin: bytes, limits: Limits,
              env: dict[str, str]) -> tuple[SandboxResult, bool]:
        """Run argv in container `cid`; returns the result and whether `cid` may be reused."""
        payload = json.dumps(_payload(argv, files, stdin, env)).encode()
        api = self.client.api
        start = time.monotonic()
        try:
            exec_id = api.exec_create(cid, ["python3", "-I", "-S", "-c", BOOTSTRAP], stdin=True,
                                      workdir=WORK_DIR, user=SANDBOX_USER)["Id"]
            sock = raw_socket(api.exec_start(exec_id, socket=True))
        except Exception as exc:
            return infra_result(self.name, f"cannot exec in the container: {exc}",
                                time.monotonic() - start), False
        deadline = start + limits.timeout
        out, err = OutputBuffer(limits.max_output_bytes), OutputBuffer(limits.max_output_bytes)
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            ending = read_frames(sock, deadline, out, err, 16 * limits.max_output_bytes)
        except OSError as exc:
            return infra_result(self.name, f"lost the exec stream: {exc}",
                                time.monotonic() - start), False
        finally:
            with contextlib.suppress(OSError):
                sock.close()
        if ending != "eof":
            self._kill(cid)
            return self._cut_short(ending, out, err, time.monotonic() - start, warm), False
        try:
            info = api.exec_inspect(exec_id)
        except Exception as exc:
            return infra_result(self.name, f"cannot inspect the exec: {exc}",
                                time.monotonic() - start), False
        exit_code = info.get("ExitCode")
        duration = time.monotonic() - start
        if exit_code == CLEANUP_FAILED and not out.total and not err.total:
            return infra_result(self.name, "could not clean a reused container",
                                duration), False
        result = self._ended(cid, exit_code, out, err, duration, warm)
        return result, exit_code not in (137, None) and not result.oom

    def _has_leftovers(self, cid: str) -> bool:
        """Whether a run left processes behind (daemons): then the container is not reused,
        so nothing of one run lives on while the container waits in the pool."""
        try:
            top = self.client.api.top(cid)
        except Exception:
            return True
        titles = top.get("Titles") or []
        column = titles.index("UID") if "UID" in titles else 0
        return any(row[column] not in ("root", "0") for row in top.get("Processes") or [])

    def _oom_killed(self, cid: str) -> bool:
        """Whether the container's memory cgroup hit its limit (cgroup v1 failcnt, v2 events)."""
        try:
            stats = self.client.api.stats(cid, stream=False, one_shot=True)
        except Exception:
            return False
        memory = stats.get("memory_stats") or {}
        if memory.get("failcnt"):
            return True
        inner = memory.get("stats") or {}
        if inner.get("oom_kill") or inner.get("oom"):
            return True
        # cgroup v1 without failcnt: the high-water mark reached the limit. Containers that
        # got a SIGKILL are never reused, so the mark belongs to this run.
        peak, limit = memory.get("max_usage") or 0, memory.get("limit") or 0
        return bool(limit) and peak >= 0.97 * limit

    # -- long-lived processes (PythonSession) ------------------------------------------------

    supports_spawn = True

    def spawn(self, argv: list[str], files: dict[str, bytes], limits: Limits,
              env: dict[str, str]) -> DockerProcess:
        """Start a long-lived process in its own container, talking over the exec's stdio."""
        cid, _ = self._take(limits)
        try:
            setup = json.dumps(_payload(None, files, b"", {})).encode()  # files only
            result = self._exec_simple(cid, setup)  # cleans a reused container, writes files
            if result != 0:
                raise OSError(f"cannot prepare the session container (exit {result})")
            environment = [f"{k}={v}" for k, v in env.items()]
            exec_id = self.client.api.exec_create(cid, [*SECCOMP_LAUNCHER, _SECCOMP,
                                                         str(limits.cpu_seconds), *argv],
                                                  stdin=True, workdir=WORK_DIR,
                                                  user=SANDBOX_USER, environment=environment)["Id"]
            sock = raw_socket(self.client.api.exec_start(exec_id, socket=True))
        except Exception as exc:
            self._discard(cid)
            raise OSError(f"cannot start a session container: {exc}") from exc
        return DockerProcess(self, cid, sock)

    def _exec_simple(self, cid: str, payload: bytes) -> int | None:
        api = self.client.api
        exec_id = api.exec_create(cid, ["python3", "-I", "-S", "-c", BOOTSTRAP], stdin=True,
                                  workdir=WORK_DIR, user=SANDBOX_USER)["Id"]
        sock = raw_socket(api.exec_start(exec_id, socket=True))
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            ending = read_frames(sock, time.monotonic() + 30, OutputBuffer(1 << 16),
                                  OutputBuffer(1 << 16), 1 << 20)
            if ending != "eof":
                return None
        finally:
            sock.close()
        return api.exec_inspect(exec_id).get("ExitCode")

    def close(self) -> None:
        """Remove the warm containers and wait for pending removals."""
        self._closed = True
        with self._pool_lock:
            pool, self._pool = list(self._pool), collections.deque()
        for cid in pool:
            self._detach_runner(cid)
            with contextlib.suppress(Exception):
                self.client.api.remove_container(cid, force=True)
        self._background.shutdown(wait=True)
        super().close()


class DockerProcess:
    """A session process in its own container; `kill()` removes the container."""

    def __init__(self, sandbox: DockerSandbox, cid: str, sock: socket.socket) -> None:
        self.sandbox, self.cid, self.sock = sandbox, cid, sock
        self._dead = False  # the exec's stream ended (the process is gone)
        self._killed = False  # the container was killed and discarded
        self._lines = LineBuffer()
        self._stderr = OutputBuffer(1 << 14)

    def alive(self) -> bool:
        return not self._dead

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_line(self, deadline: float, limit: int = MAX_LINE_BYTES) -> bytes | None:
        """One protocol line from the exec's stdout; TimeoutError at the deadline, None at EOF,
        LineTooLong past `limit` bytes (the caller then kills the process)."""
        self._lines.limit = limit
        while (line := self._lines.pop_line()) is None:
            frame = read_frame(self.sock, deadline)
            if frame is None:
                self._dead = True
                return None
            stream, body = frame
            if stream == 2:
                self._stderr.feed(body)
            else:
                self._lines.feed(body)
        return line

    def stderr_tail(self) -> str:
        return self._stderr.text()

    def kill(self) -> None:
        """Kill and remove the container (also after the process ended on its own)."""
        if self._killed:
            return
        self._killed = self._dead = True
        with contextlib.suppress(OSError):
            self.sock.close()
        self.sandbox._kill(self.cid)
        self.sandbox._discard(self.cid)


def _payload(argv: list[str] | None, files: dict[str, bytes], stdin: bytes,
             env: dict[str, str]) -> dict[str, Any]:
    """What a run sends into its container (files and stdin base64)."""
    return {
        "files": {k: base64.b64encode(v).decode() for k, v in files.items()},
        "stdin": base64.b64encode(stdin).decode(),
        "argv": argv,
        "env": env,
        "seccomp": _SECCOMP,
    }


def raw_socket(obj: Any) -> socket.socket:
    """The plain socket under docker-py's exec stream wrapper."""
    sock = getattr(obj, "_sock", obj)
    if not isinstance(sock, socket.socket):
        raise OSError(f"unexpected exec stream type {type(obj).__name__}")
    sock.setblocking(True)
    return sock


def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes | None:
    """n bytes, or None on EOF; raises TimeoutError at the deadline."""
    chunks = bytearray()
    while len(chunks) < n:
        wait_readable(sock, deadline)
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            return None
        chunks.extend(chunk)
    return bytes(chunks)


def read_frame(sock: socket.socket, deadline: float) -> tuple[int, bytes] | None:
    """One frame of Docker's multiplexed stream (1 = stdout, 2 = stderr), None at EOF."""
    header = _recv_exact(sock, 8, deadline)
    if header is None:
        return None
    stream, size = header[0], struct.unpack(">I", header[4:8])[0]
    body = _recv_exact(sock, size, deadline) if size else b""
    if body is None:
        return None
    return stream, body


def read_frames(sock: socket.socket, deadline: float, out: OutputBuffer, err: OutputBuffer,
                 hard_cap: int) -> str:
    """Demultiplex until EOF ("eof"), the deadline ("timeout") or too much output ("overflow")."""
    while True:
        try:
            frame = read_frame(sock, deadline)
        except TimeoutError:
            return "timeout"
        if frame is None:
            return "eof"
        stream, body = frame
        (err if stream == 2 else out).feed(body)
        if out.total + err.total > hard_cap:
            return "overflow"
