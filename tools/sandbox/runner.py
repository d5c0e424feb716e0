"""The warm Docker container's runner: one long-lived process per container instead of one
`docker exec` per run.

A `docker exec` costs ~55 ms on this machine even for `/bin/true` (the engine, containerd and
runc set up a process each time), five times a plain subprocess. A reused container therefore
runs a small server as its main process (`RUNNER`, stdlib only, the source of
`tools/sandbox/inside.py` plus the loop below), and each run is one request on the container's
attached stdin and a stream of messages back on its stdout.

Who can reach what:
- The runner is the container's root user with only CAP_SETUID and CAP_SETGID (and
  no-new-privileges); every program it starts runs as the sandbox uid with no capabilities,
  under the project's seccomp filter, so a program can neither signal the runner, read its
  descriptors (`/proc/<pid>/fd` of another uid) nor write into the host's stream. The program's
  stdout and stderr are pipes that the runner reads and frames.
- After the program's main process ends, a helper running as the sandbox uid kills whatever
  it left (`kill_all_others`), removes System V IPC objects and empties every scratch
  directory, as the one-shot bootstrap does; the runner then reports the exit status and
  whether the container is clean. A container that is not clean is thrown away by the host.
- The CPU-time limit is set on the program alone (the runner lives through many runs).

Messages runner -> host: one type byte (`o` stdout, `e` stderr, `x` the end, JSON), a 4-byte
big-endian length, the body. Requests host -> runner: one JSON line (files and stdin base64).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from agent_rl.tools.sandbox import inside

SANDBOX_UID = 65534

RUNNER = Path(inside.__file__).read_text(encoding="utf-8") + r'''
import base64, ctypes, json, resource, select, struct, sys
UID = 65534
OUT = sys.stdout.buffer
IN = sys.stdin.buffer


def send(kind, body):
    OUT.write(kind + struct.pack(">I", len(body)) + body)
    OUT.flush()


def become_sandbox_user():
    os.setgroups([])
    os.setgid(UID)
    os.setuid(UID)


def clean():
    """Kill what the run left, remove IPC objects, empty the scratch dirs (as the sandbox
    uid); True when all of that worked."""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid == 0:
        ok = False
        try:
            become_sandbox_user()
            ok = kill_all_others() and remove_ipc()
            for top in SCRATCH_DIRS:
                if os.path.isdir(top) and not wipe(top) and top not in ("/dev/shm", "/dev/mqueue"):
                    ok = False
        finally:
            os._exit(0 if ok else 1)
    return os.waitpid(pid, 0)[1] == 0


SETUP_FAILED = 125


def start(p, w_out, w_err, w_setup):
    """In the forked child: become the sandbox user, write the files, exec the program."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # under memory pressure the program goes first, not the runner
        become_sandbox_user()
        os.chdir("/work")
        for path, data in p["files"].items():
            full = os.path.join("/work", path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(base64.b64decode(data))
        fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
        os.write(fd, base64.b64decode(p["stdin"]))
        os.lseek(fd, 0, 0)
        os.dup2(fd, 0)
        os.close(fd)
        os.dup2(w_out, 1)
        os.dup2(w_err, 2)
        os.close(w_out)
        os.close(w_err)
        os.environ.update(p["env"])
        cpu = int(p["cpu"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        install_seccomp(p["seccomp"])
    except BaseException as e:  # told on a close-on-exec pipe: the program cannot forge it
        os.write(w_setup, ("%r" % (e,)).encode()[:4000])
        os._exit(SETUP_FAILED)
    try:
        os.execvp(p["argv"][0], p["argv"])
    except OSError as e:
        os.write(2, ("%s: %s\n" % (p["argv"][0], e.strerror)).encode())
    os._exit(127)


def serve_one(p):
    r_out, w_out = os.pipe()
    r_err, w_err = os.pipe()
    r_setup, w_setup = os.pipe()  # close-on-exec: EOF once the program runs
    child = os.fork()
    if child == 0:
        os.close(r_out)
        os.close(r_err)
        os.close(r_setup)
        start(p, w_out, w_err, w_setup)
    os.close(w_out)
    os.close(w_err)
    os.close(w_setup)
    setup_error = b""
    while True:
        chunk = os.read(r_setup, 4096)
        if not chunk:
            break
        setup_error += chunk
    os.close(r_setup)
    pidfd = os.pidfd_open(child)
    kinds = {r_out: b"o", r_err: b"e"}
    status = None
    cleaned = False
    while kinds:
        ready = select.select(list(kinds) + ([pidfd] if status is None else []), [], [])[0]
        for fd in ready:
            if fd == pidfd:
                status = os.waitpid(child, 0)[1]
                continue
            chunk = os.read(fd, 65536)
            if chunk:
                send(kinds[fd], chunk)
            else:
                del kinds[fd]
        if status is not None and kinds and not cleaned:
            # The program ended but something it started still holds its output: end it.
            cleaned = True
            clean()
    if status is None:
        status = os.waitpid(child, 0)[1]
    os.close(pidfd)
    os.close(r_out)
    os.close(r_err)
    code = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    send(b"x", json.dumps({"exit_code": code, "clean": clean(),
                           "setup_error": setup_error.decode("utf-8", "replace")}).encode())


send(b"r", b"")  # ready
while True:
    line = IN.readline()
    if not line:
        break
    serve_one(json.loads(line))
'''


class RunnerStream:
    """The host side of the runner's messages, fed with the bytes of the container's stdout."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """Append bytes; return every message now complete, as (type, body)."""
        self._buf.extend(data)
        messages = []
        while len(self._buf) >= 5:
            size = struct.unpack(">I", self._buf[1:5])[0]
            if len(self._buf) < 5 + size:
                break
            messages.append((bytes(self._buf[:1]), bytes(self._buf[5:5 + size])))
            del self._buf[:5 + size]
        return messages


def request(payload: dict) -> bytes:
    """One request line for the runner."""
    return json.dumps(payload, separators=(",", ":")).encode() + b"\n"
