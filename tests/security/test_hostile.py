"""Hostile programs on every sandbox backend: each must be contained and leave the host untouched.

Every program gets a unique marker as argv[1] (children inherit it in their command line), so
after each verdict the test can scan the host's /proc for anything left behind. Limits are
short (2 s, 256 MB, 32 processes, 16 MB disk) to keep the suite fast; each verdict's wall
time is recorded (see the terminal summary), not asserted beyond a generous bound.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

LIMIT = 2.0
# Verdict within the limit plus one second is the goal (recorded); the assert only catches hangs.
HANG_BOUND = LIMIT + 10.0

pytestmark = pytest.mark.parametrize(
    "backend", ["bwrap", pytest.param("docker", marks=pytest.mark.docker)]
)


def _leftovers(marker: str) -> list[str]:
    found = []
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
            state = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker.encode() in cmdline and state not in (b"Z", b"X"):
            found.append(f"{name}: {cmdline[:120]!r}")
    return found


def _no_leftovers(marker: str, wait: float = 3.0) -> None:
    deadline = time.monotonic() + wait
    left = _leftovers(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _leftovers(marker)
    assert not left, f"processes left behind: {left}"


def hostile(sandboxes, backend: str, source: str, *, name: str, stdin: str | None = None,
            files: dict | None = None, **limits):
    """Run `source` with a marker; check the verdict came, nothing is left; return result."""
    box = sandboxes(backend)
    marker = f"agentrl-hostile-{uuid.uuid4().hex[:12]}"
    start = time.monotonic()
    result = box.run_python(source, args=[marker], stdin=stdin, files=files, **limits)
    wall = time.monotonic() - start
    sandboxes.record(backend, name, result, limits.get("timeout", LIMIT), wall)
    assert result.infra_error is None, result.infra_error
    assert wall < limits.get("timeout", LIMIT) + HANG_BOUND, f"verdict took {wall:.1f}s"
    _no_leftovers(marker)
    return result


# -- resource exhaustion --------------------------------------------------------------------


def test_fork_bomb(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""", name="fork_bomb")
    assert result.timed_out or result.exit_code != 0
    # The host can still start processes.
    assert subprocess.run(["true"]).returncode == 0


def test_thread_bomb(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import threading, time
n = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
        n += 1
except Exception as exc:
    print("stopped at", n, type(exc).__name__)
""", name="thread_bomb")
    assert "stopped at" in result.stdout or result.exit_code != 0
    if "stopped at" in result.stdout:
        assert int(result.stdout.split()[2]) < 64


def test_memory_bomb(sandboxes, backend):
    result = hostile(sandboxes, backend, """
chunks = []
while True:
    chunks.append(bytearray(64 * 1024 * 1024))
""", name="memory_bomb")
    assert result.oom and result.exit_code != 0 and not result.timed_out


def test_memory_held_in_memfds(sandboxes, backend):
    """Class 2 (issue 11): memfd pages are not address space; 1.5 GB of them once passed a
    256 MB address-space cap with exit 0. A memory cgroup counts them."""
    box = sandboxes(backend)
    if getattr(box, "memory_limit", "cgroup").startswith("address space"):
        pytest.skip("no memory cgroup on this machine: the address-space fallback cannot count "
                    "memfd pages (the documented gap, docs/ARCHITECTURE.md)")
    result = hostile(sandboxes, backend, """
import os
fds = []
for _ in range(96):
    fds.append(os.memfd_create("hold"))
    os.write(fds[-1], b"x" * (16 << 20))
print("held 1.5 GB")
""", name="memfd_memory")
    assert "held" not in result.stdout
    assert result.oom and result.exit_code != 0 and not result.timed_out


def test_single_huge_allocation(sandboxes, backend):
    result = hostile(sandboxes, backend, "x = bytearray(4 * 1024 ** 3)\nprint('allocated')",
                     name="huge_allocation")
    assert "allocated" not in result.stdout and result.oom


def test_cpu_loop(sandboxes, backend):
    result = hostile(sandboxes, backend, "while True:\n    pass\n", name="cpu_loop")
    assert result.timed_out and result.exit_code is None


def test_sleep_past_limit_with_children(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import subprocess, sys, time
for _ in range(3):
    subprocess.Popen(["sh", "-c", "sleep 100; : " + sys.argv[1]])
time.sleep(100)
""", name="sleep_with_children")
    assert result.timed_out


def test_ignores_sigterm(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import signal, time
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
time.sleep(100)
""", name="ignores_sigterm")
    assert result.timed_out


def test_daemonised_children_die_with_the_run(sandboxes, backend, tmp_path):
    result = hostile(sandboxes, backend, """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(3):
            os.close(fd)
        time.sleep(60)
    os._exit(0)
print("parent exits")
""", name="double_fork_daemon")
    assert result.exit_code == 0 and "parent exits" in result.stdout


def test_delayed_writer_daemon(sandboxes, backend):
    target = Path(f"/tmp/agentrl-delayed-{uuid.uuid4().hex[:8]}")
    hostile(sandboxes, backend, f"""
import os, time
if os.fork() == 0:
    os.setsid()
    time.sleep(1.0)
    for path in ({str(target)!r}, "/work/late", "/tmp/late"):
        try:
            open(path, "w").write("late")
        except OSError:
            pass
    os._exit(0)
""", name="delayed_writer")
    time.sleep(1.5)
    assert not target.exists()


def test_fill_the_disk(sandboxes, backend):
    result = hostile(sandboxes, backend, """
written = 0
try:
    with open("big.bin", "wb") as f:
        while True:
            f.write(b"x" * (1 << 20))
            f.flush()
            written += 1 << 20
except OSError as exc:
    print("stopped", written, exc.errno)
""", name="fill_disk")
    assert "stopped" in result.stdout or result.exit_code != 0
    if "stopped" in result.stdout:
        assert int(result.stdout.split()[1]) <= 17 * (1 << 20)


def test_fill_tmp_and_shm(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os
total = 0
for d in ("/tmp", "/dev/shm", "/var/tmp", "/run"):
    try:
        with open(os.path.join(d, "fill"), "wb") as f:
            for _ in range(64):
                f.write(b"x" * (1 << 20)); total += 1 << 20
    except OSError:
        pass
print("total", total)
""", name="fill_tmp")
    if "total" in result.stdout:
        assert int(result.stdout.split()[1]) <= 3 * 17 * (1 << 20)


def test_fill_dev_with_many_files(sandboxes, backend):
    """Class 1 (issue 11): /dev was a writable tmpfs of half the host's memory; many files
    of 1 MB each (every file under RLIMIT_FSIZE) reached 1.2 GB there and in /dev/shm."""
    result = hostile(sandboxes, backend, """
import os
for d in ("/dev", "/dev/shm", "/dev/pts", "/dev/mqueue"):
    total = 0
    try:
        for i in range(64):
            with open(os.path.join(d, "fill%d" % i), "wb") as f:
                f.write(b"x" * (1 << 20))
            total += 1 << 20
    except OSError:
        pass
    print(d, total)
""", name="fill_dev")
    written = dict(line.split() for line in result.stdout.splitlines())
    assert written["/dev"] == "0", result.stdout
    assert int(written["/dev/shm"]) <= 17 * (1 << 20), result.stdout
    assert written.get("/dev/pts", "0") == "0" and written.get("/dev/mqueue", "0") == "0"


_LITTER = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for d in ("/work", "/tmp", "/dev", "/dev/shm", "/dev/mqueue", "/run", "/var/tmp"):
    try:
        open(os.path.join(d, "litter"), "w").write("secret")
    except OSError:
        pass
libc.shmget(0x5EED, 4096, 0o1666)
libc.msgget(0x5EED, 0o1666)
libc.semget(0x5EED, 1, 0o1666)
ctypes.CDLL("librt.so.1").mq_open(b"/litter", os.O_CREAT | os.O_RDWR, 0o600, None)
"""
_PROBE = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
found = [d for d in ("/work", "/tmp", "/dev", "/dev/shm", "/dev/mqueue", "/run", "/var/tmp")
         if os.path.exists(os.path.join(d, "litter"))]
found += [n for n, rc in (("shm", libc.shmget(0x5EED, 0, 0)), ("msg", libc.msgget(0x5EED, 0)),
                          ("sem", libc.semget(0x5EED, 0, 0)),
                          ("mq", ctypes.CDLL("librt.so.1").mq_open(b"/litter", os.O_RDWR)))
          if rc >= 0]
print("FOUND", found)
"""


def test_nothing_crosses_to_the_next_run(sandboxes, backend):
    """Class 1 (issue 11): files in /dev and IPC objects must not meet the next program
    (Docker reuses warm containers; each bubblewrap run has fresh namespaces)."""
    for _ in range(3):
        hostile(sandboxes, backend, _LITTER, name="litter")
    for _ in range(3):
        result = hostile(sandboxes, backend, _PROBE, name="probe_litter")
        assert result.stdout.strip() == "FOUND []", result.stdout + result.stderr


def test_huge_output(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import sys
line = "y" * 1023 + "\\n"
while True:
    sys.stdout.write(line)
""", name="huge_output")
    assert result.output_truncated
    assert len(result.stdout) < 64 * 1024 + 200


def test_too_many_open_files(sandboxes, backend):
    result = hostile(sandboxes, backend, """
fs = []
try:
    while True:
        fs.append(open("/dev/null"))
except OSError as exc:
    print("opened", len(fs))
""", name="nofile")
    assert "opened" in result.stdout and int(result.stdout.split()[1]) < 300


def test_flood_stdin_reader(sandboxes, backend):
    result = hostile(sandboxes, backend, "import sys\nprint(len(sys.stdin.read()))",
                     name="big_stdin", stdin="z" * 3_000_000)
    assert result.stdout.strip() == "3000000"


# -- the host's secrets ---------------------------------------------------------------------


def test_canary_file_in_home(sandboxes, backend):
    secret = uuid.uuid4().hex
    canary = Path.home() / f".agentrl-canary-{secret[:8]}"
    canary.write_text(secret)
    try:
        result = hostile(sandboxes, backend, f"""
import os, glob
paths = [{str(canary)!r}] + glob.glob("/root/*") + glob.glob("/home/*/*")
for p in paths:
    try:
        print(open(p).read())
    except OSError as exc:
        print("blocked", p, exc.errno)
""", name="canary_home")
        assert secret not in result.stdout + result.stderr
        assert canary.read_text() == secret
    finally:
        canary.unlink()


def test_canary_environment_variable(sandboxes, backend, monkeypatch):
    secret = uuid.uuid4().hex
    monkeypatch.setenv("AGENT_RL_CANARY", secret)
    result = hostile(sandboxes, backend, """
import os
print(dict(os.environ))
for pid in ("self", "1", "2"):
    try:
        print(open(f"/proc/{pid}/environ", "rb").read())
    except OSError as exc:
        print("blocked", pid, exc.errno)
""", name="canary_env")
    assert secret not in result.stdout + result.stderr
    assert "AGENT_RL_CANARY" not in result.stdout


def test_read_proc1_environ_and_cmdline(sandboxes, backend):
    result = hostile(sandboxes, backend, """
for what in ("environ", "cmdline", "root/etc/hostname", "cwd"):
    try:
        print(what, open("/proc/1/" + what, "rb").read()[:200])
    except OSError as exc:
        print(what, "blocked", exc.errno)
""", name="proc1")
    host_env = Path(f"/proc/{os.getpid()}/environ").read_bytes()
    home = os.environ.get("HOME", "/root")
    assert f"HOME={home}".encode() in host_env
    for entry in host_env.split(b"\0"):
        if entry.startswith((b"PIP_", b"PYENV", b"VIRTUAL_ENV")):
            assert entry.decode(errors="replace") not in result.stdout


def test_read_etc_shadow(sandboxes, backend):
    result = hostile(sandboxes, backend, """
for path in ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh/ssh_host_rsa_key"):
    try:
        print(open(path).read())
    except OSError as exc:
        print("blocked", path, exc.errno)
""", name="shadow")
    shadow = Path("/etc/shadow")
    if shadow.exists():
        first = shadow.read_text().splitlines()[0]
        assert first not in result.stdout
    assert result.stdout.count("blocked") == 4


def test_read_project_and_host_tmp(sandboxes, backend, tmp_path):
    secret = uuid.uuid4().hex
    (tmp_path / "secret.txt").write_text(secret)
    result = hostile(sandboxes, backend, f"""
for path in ({str(tmp_path / "secret.txt")!r}, {str(Path(__file__).resolve())!r},
             "/var/run/docker.sock"):
    try:
        print(open(path).read()[:100])
    except OSError as exc:
        print("blocked", exc.errno)
""", name="project_files")
    assert secret not in result.stdout
    assert result.stdout.count("blocked") == 3


# -- writing where it must not --------------------------------------------------------------


def test_write_outside_the_work_dir(sandboxes, backend):
    tag = uuid.uuid4().hex[:8]
    targets = [f"/tmp/agentrl-escape-{tag}", f"{Path.home()}/agentrl-escape-{tag}",
               f"/usr/agentrl-escape-{tag}", f"/etc/agentrl-escape-{tag}",
               f"/agentrl-escape-{tag}", str(Path(__file__).parent / f"escape-{tag}")]
    result = hostile(sandboxes, backend, f"""
for path in {targets!r}:
    try:
        with open(path, "w") as f:
            f.write("escaped")
        print("wrote", path)
    except OSError as exc:
        print("blocked", path, exc.errno)
""", name="write_outside")
    for path in targets:
        assert not Path(path).exists(), f"{path} appeared on the host"
    for system_dir in ("/usr", "/etc", "/agentrl"):
        assert f"wrote {system_dir}" not in result.stdout


def test_write_system_dirs(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os
for path in ("/usr/bin/python3", "/bin/sh", "/usr/lib/os-release"):
    try:
        with open(path, "ab") as f:
            f.write(b"#")
        print("modified", path)
    except OSError as exc:
        print("blocked", path, exc.errno)
""", name="write_usr")
    assert "modified" not in result.stdout


def test_symlink_escape(sandboxes, backend):
    secret = uuid.uuid4().hex
    canary = Path.home() / f".agentrl-link-{secret[:8]}"
    canary.write_text(secret)
    try:
        result = hostile(sandboxes, backend, f"""
import os
os.symlink({str(canary)!r}, "link")
os.symlink("/", "rootlink")
os.symlink("/proc/1/root", "proc_root")
for path in ("link", "rootlink{canary}", "proc_root{canary}"):
    try:
        print(open(path).read())
    except OSError as exc:
        print("blocked", exc.errno)
try:
    with open("link", "w") as f:
        f.write("overwritten")
except OSError as exc:
    print("blocked write", exc.errno)
""", name="symlink_escape")
        assert secret not in result.stdout
        assert canary.read_text() == secret
    finally:
        canary.unlink()


def test_symlinked_input_file_is_not_followed_on_host(sandboxes, backend):
    """A file *named* like a traversal cannot be placed outside the work dir."""
    from agent_rl.errors import ConfigError

    box = sandboxes(backend)
    with pytest.raises(ConfigError, match="relative path"):
        box.run(["true"], files={"../../escape.txt": "x"})
    with pytest.raises(ConfigError, match="relative path"):
        box.run(["true"], files={"/etc/passwd": "x"})


# -- network --------------------------------------------------------------------------------


def test_connect_to_host_listener(sandboxes, backend):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list = []

    def accept() -> None:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            try:
                conn, _ = server.accept()
                accepted.append(conn.recv(100))
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    result = hostile(sandboxes, backend, f"""
import socket
for host in ("127.0.0.1", "localhost", "172.17.0.1", "10.0.2.2"):
    try:
        s = socket.create_connection((host, {port}), timeout=0.3)
        s.sendall(b"escaped")
        print("connected", host)
    except OSError as exc:
        print("blocked", host, exc.errno)
""", name="tcp_listener")
    thread.join()
    server.close()
    assert accepted == []
    assert "connected" not in result.stdout


def test_outside_network_and_dns(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import socket
for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("pypi.org", 443)):
    try:
        socket.create_connection((host, port), timeout=0.5)
        print("connected", host)
    except OSError as exc:
        print("blocked", host, type(exc).__name__)
print([n for _, n in socket.if_nameindex()])
""", name="external_net")
    assert "connected" not in result.stdout
    assert "eth0" not in result.stdout


def test_unix_sockets_of_the_host(sandboxes, backend, tmp_path):
    path = f"/tmp/agentrl-{uuid.uuid4().hex[:8]}.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    server.settimeout(3)
    try:
        result = hostile(sandboxes, backend, f"""
import socket
for p in ({path!r}, "/var/run/docker.sock", "/run/docker.sock", "\\0/tmp/.X11-unix/X0"):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(p)
        print("connected", p)
    except OSError as exc:
        print("blocked", exc.errno)
""", name="unix_socket")
        assert "connected" not in result.stdout
        server.settimeout(0.01)
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()
        os.unlink(path)


# -- processes and the kernel ---------------------------------------------------------------


@pytest.fixture
def victim():
    """A host process a hostile program would like to kill or trace."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


def test_signal_host_pids(sandboxes, backend, victim):
    result = hostile(sandboxes, backend, f"""
import os, signal
for pid in ({victim.pid}, {os.getpid()}, 1):
    try:
        os.kill(pid, signal.SIGKILL)
        print("sent", pid)
    except OSError as exc:
        print("blocked", pid, exc.errno)
try:
    os.kill(-1, signal.SIGKILL)
except OSError as exc:
    print("kill -1 blocked", exc.errno)
""", name="signal_host")
    assert victim.poll() is None, "the host process was killed"
    assert result.infra_error is None


def test_kill_the_parent(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os, signal, time
for target in (os.getppid(), 0):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("blocked", target, exc.errno)
time.sleep(100)
""", name="kill_parent")
    assert result.timed_out or result.exit_code is not None


def test_ptrace_attach(sandboxes, backend, victim):
    hostile(sandboxes, backend, f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
for pid in ({victim.pid}, 1, os.getppid()):
    rc = libc.ptrace(PTRACE_ATTACH, pid, None, None)
    print("attach", pid, rc, ctypes.get_errno())
""", name="ptrace")
    assert victim.poll() is None
    state = Path(f"/proc/{victim.pid}/status").read_text()
    assert "TracerPid:\t0" in state


def test_reach_into_the_sandbox_init(sandboxes, backend):
    """Class 3 (issue 11): ptrace, pidfd_getfd and process_vm_readv on the sandbox's own pid 1
    (bwrap's init, same uid) worked; with them a program could take the harness's stdout.
    AF_VSOCK sockets reach the hypervisor. A seccomp filter refuses all four."""
    result = hostile(sandboxes, backend, """
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = {"x86_64": (101, 434, 438, 310), "aarch64": (117, 434, 438, 270)}[os.uname().machine]
PTRACE, PIDFD_OPEN, PIDFD_GETFD, VM_READV = nr
print("ptrace", libc.syscall(PTRACE, 16, 1, 0, 0))  # PTRACE_ATTACH to pid 1
pidfd = libc.syscall(PIDFD_OPEN, 1, 0)
print("getfd", libc.syscall(PIDFD_GETFD, pidfd, 1, 0) if pidfd >= 0 else -1)
buf = ctypes.create_string_buffer(16)
local = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 16)
remote = (ctypes.c_void_p * 2)(0x400000, 16)
print("vm_readv", libc.syscall(VM_READV, 1, local, 1, remote, 1, 0))
try:
    socket.socket(40, socket.SOCK_STREAM)  # AF_VSOCK
    print("vsock 0")
except OSError:
    print("vsock -1")
""", name="reach_init")
    got = dict(line.split() for line in result.stdout.splitlines())
    assert got == {"ptrace": "-1", "getfd": "-1", "vm_readv": "-1", "vsock": "-1"}, result.stdout


def test_reach_from_a_session(sandboxes, backend):
    """The same filter holds in long-lived sandboxes (sessions, warm harness servers)."""
    from agent_rl.tools.sandbox import PythonSession

    with PythonSession(sandboxes(backend), timeout=10) as session:
        result = session.run(
            "import ctypes, socket\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "try:\n"
            "    socket.socket(40, socket.SOCK_STREAM)\n"
            "    vsock = 0\n"
            "except OSError:\n"
            "    vsock = -1\n"
            "print(vsock, libc.ptrace(16, 1, None, None))\n"
        )
    assert result.infra_error is None and result.stdout.split() == ["-1", "-1"], result


def _host_mounts() -> set[str]:
    """Host mount points, minus Docker's own (containers come and go with the warm pool)."""
    points = set()
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        if "/docker" not in point and "/netns" not in point:
            points.add(point)
    return points


def test_mount_and_unshare(sandboxes, backend):
    before = _host_mounts()
    result = hostile(sandboxes, backend, """
import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
rc = libc.mount(b"none", b"/work", b"tmpfs", 0, None)
print("mount", rc, ctypes.get_errno())
print("unshare", libc.unshare(0x10000000 | 0x00020000), ctypes.get_errno())
print("chroot", libc.chroot(b"/tmp"), ctypes.get_errno())
for cmd in (["mount", "-t", "proc", "proc", "/tmp"], ["unshare", "-r", "id"]):
    try:
        print(cmd[0], subprocess.run(cmd, capture_output=True).returncode)
    except OSError as exc:
        print(cmd[0], "missing", exc.errno)
""", name="mount")
    assert "mount 0 " not in result.stdout and "chroot 0 " not in result.stdout
    assert _host_mounts() == before


def test_setuid_root(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os, subprocess
for fn, arg in ((os.setuid, 0), (os.seteuid, 0), (os.setgid, 0)):
    try:
        fn(arg)
        print("became", fn.__name__)
    except OSError as exc:
        print("blocked", fn.__name__, exc.errno)
for cmd in (["su", "-c", "id"], ["sudo", "id"]):
    try:
        print(cmd[0], subprocess.run(cmd, capture_output=True, timeout=1).returncode)
    except Exception as exc:
        print(cmd[0], "failed", type(exc).__name__)
print("euid", os.geteuid())
""", name="setuid")
    assert "became" not in result.stdout
    assert "euid 0" not in result.stdout


def test_devices(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os
print(sorted(os.listdir("/dev")))
for dev in ("/dev/mem", "/dev/kmem", "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/port",
            "/dev/nvme0n1", "/dev/tty0"):
    try:
        open(dev, "rb").read(16)
        print("read", dev)
    except OSError as exc:
        print("blocked", dev, exc.errno)
""", name="devices")
    assert "read /dev/" not in result.stdout


def test_write_proc_sys_and_sysrq(sandboxes, backend):
    before = Path("/proc/sys/kernel/hostname").read_text()
    result = hostile(sandboxes, backend, """
for path, value in (("/proc/sys/kernel/hostname", "pwned"), ("/proc/sysrq-trigger", "h"),
                    ("/proc/sys/vm/drop_caches", "3"), ("/sys/kernel/uevent_helper", "/x")):
    try:
        with open(path, "w") as f:
            f.write(value)
        print("wrote", path)
    except OSError as exc:
        print("blocked", path, exc.errno)
""", name="proc_sys")
    assert Path("/proc/sys/kernel/hostname").read_text() == before
    assert "wrote /proc/sys/kernel/hostname" not in result.stdout


def test_sees_no_host_processes(sandboxes, backend, victim):
    result = hostile(sandboxes, backend, """
import os
pids = [p for p in os.listdir("/proc") if p.isdigit()]
names = []
for p in pids:
    try:
        names.append(open(f"/proc/{p}/comm").read().strip())
    except OSError:
        pass
print(len(pids), sorted(set(names)))
""", name="process_list")
    assert "pytest" not in result.stdout and "dockerd" not in result.stdout
    assert int(result.stdout.split()[0]) < 10


def test_cannot_reach_the_sandbox_machinery(sandboxes, backend):
    result = hostile(sandboxes, backend, """
import os
print(os.listdir("/proc/self/fd"))
print(os.getuid(), os.getgid(), os.getgroups())
print(open("/proc/self/status").read().split("CapEff:")[1].split()[0])
""", name="fds_caps")
    lines = result.stdout.splitlines()
    assert lines[0].count("'") <= 8  # 0, 1, 2 and the listing's own fd
    assert lines[1].split()[0] != "0"
    assert lines[2] == "0000000000000000"


# -- the host reading what a sandbox writes (class 3, issue 11) --------------------------------


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("payload", ["no_newline", "many_lines"])
def test_flood_the_session_protocol_stream(sandboxes, backend, payload):
    """A cell writes 300 MB straight into the session's protocol stream (fd 4): once read
    with no line cap and rescanned per chunk (seconds of host CPU under the GIL, hundreds
    of MB of host memory). The host must cap what it reads and answer promptly."""
    from agent_rl.tools.sandbox import PythonSession

    box = sandboxes(backend)
    chunk = "b'x' * (1 << 20)" if payload == "no_newline" else "b'junk\\n' * (1 << 18)"
    before = _peak_rss_mb()
    start = time.monotonic()
    with PythonSession(box, timeout=20, memory_mb=256) as session:
        assert session.run("x = 1").ok
        result = session.run(f"import os\nfor _ in range(300):\n    os.write(4, {chunk})\n")
        wall = time.monotonic() - start
        assert result.infra_error is None, result.infra_error
        assert not result.ok
        grown = _peak_rss_mb() - before
        assert grown < 100, f"the host grew by {grown:.0f} MB reading the flood"
        assert wall < 20 + HANG_BOUND
        again = session.run("print(2 + 2)")  # a fresh interpreter serves the next cell
        assert again.ok and again.stdout.strip() == "4"
