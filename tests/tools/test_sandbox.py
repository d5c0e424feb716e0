"""Sandbox behaviour on every backend: files, stdin, exit codes, limits, sessions, the CLI.

Hostile programs live in tests/security; these check the protocol works for honest code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import threading
import time

import pytest
from agent_rl.tools import ToolSet
from agent_rl.tools.sandbox import BwrapSandbox, Limits, PythonSession, get_sandbox, python_tool

from agent_rl.errors import ConfigError, InfraError

BACKENDS = ["bwrap", pytest.param("docker", marks=pytest.mark.docker)]
LIMITS = Limits(timeout=5.0, memory_mb=256, max_processes=32, disk_mb=16)


@pytest.fixture(scope="module")
def boxes():
    from agent_rl.tools.sandbox import DockerSandbox

    made: dict = {}

    def get(name: str):
        if name not in made:
            box = BwrapSandbox(LIMITS) if name == "bwrap" else DockerSandbox(LIMITS, warm=1)
            made[name] = (box, box.available())
        box, reason = made[name]
        if reason is not None:
            pytest.skip(f"{name} sandbox unavailable here: {reason}")
        return box

    yield get
    for box, _ in made.values():
        box.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_files_stdin_and_exit_code(boxes, backend):
    box = boxes(backend)
    result = box.run_python(
        "import sys, json\n"
        "data = json.load(open('data/in.json'))\n"
        "print(data['x'] * 2, sys.stdin.read().strip(), open('raw.bin', 'rb').read())\n"
        "print('warn', file=sys.stderr)\n"
        "sys.exit(7)\n",
        files={"data/in.json": json.dumps({"x": 21}), "raw.bin": b"\x00\x01"},
        stdin="from stdin\n",
    )
    assert result.exit_code == 7 and not result.ok and result.infra_error is None
    assert result.stdout == "42 from stdin b'\\x00\\x01'\n"
    assert result.stderr == "warn\n"
    assert result.backend == backend and result.duration > 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_shell_commands_and_environment(boxes, backend):
    box = boxes(backend)
    result = box.run("echo $HOME $FOO; pwd; touch made && ls", env={"FOO": "bar"})
    assert result.ok
    assert result.stdout.splitlines() == ["/work bar", "/work", "made"]
    missing = box.run(["no-such-program"])
    assert missing.exit_code == 127 and missing.infra_error is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_timeout_and_memory_verdicts(boxes, backend):
    box = boxes(backend)
    slow = box.run_python("import time; time.sleep(30)", timeout=1)
    assert slow.timed_out and slow.exit_code is None and not slow.ok
    hungry = box.run_python("x = bytearray(1 << 30)", memory_mb=128)
    assert hungry.oom and not hungry.timed_out
    fine = box.run_python("x = bytearray(32 << 20); print(len(x))", memory_mb=256)
    assert fine.ok and fine.stdout.strip() == str(32 << 20)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_runs_in_parallel(boxes, backend):
    box = boxes(backend)
    results = await asyncio.gather(*(box.arun_python(f"print({i} * {i})") for i in range(6)))
    assert [r.stdout.strip() for r in results] == [str(i * i) for i in range(6)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_python_session_keeps_state(boxes, backend):
    box = boxes(backend)
    with PythonSession(box, timeout=3) as session:
        assert session.run("import math\nx = 40").ok
        assert session.run("x + 2").stdout == "42\n"
        err = session.run("undefined_name")
        assert err.exit_code == 1 and "NameError" in err.stderr and "<cell>" in err.stderr
        assert session.run("print(input.__name__)").stdout == "input\n"
        child = session.run("import subprocess; subprocess.run(['echo', 'from child'])")
        assert "from child" in child.stdout
        late = session.run("import time; time.sleep(30)", timeout=1)
        assert late.timed_out
        after = session.run("'x' in globals()")
        assert "session restarted" in after.stderr and after.stdout == "False\n"
        assert session.restarts == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_run_python_tool(boxes, backend):
    box = boxes(backend)
    run_python = python_tool(box, timeout=3)
    ts = ToolSet([run_python])
    assert ts.specs()[0]["function"]["name"] == "run_python"

    def call(code: str) -> dict:
        return {"id": "1", "type": "function",
                "function": {"name": "run_python", "arguments": json.dumps({"code": code})}}

    first = await ts.acall(call("y = 6 * 7\nprint(y)"))
    assert first.ok and "exit code 0" in first.content and "42" in first.content
    again = await ts.acall(call("y + 1"))
    assert "43" in again.content and again.value.exit_code == 0
    failing = await ts.acall(call("1/0"))
    assert failing.ok and "ZeroDivisionError" in failing.content  # the code failed, not the tool
    run_python.fn.session.close()


def test_infra_failure_is_not_a_program_failure(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    box = BwrapSandbox(LIMITS, bwrap=str(fake))
    result = box.run(["true"])
    assert result.infra_error and "Permission denied" in result.infra_error
    assert result.exit_code is None
    with pytest.raises(InfraError, match="Permission denied"):
        result.raise_for_infra()
    assert box.available() is not None


def test_program_cannot_fake_an_infra_error(boxes):
    box = boxes("bwrap")
    result = box.run(["sh", "-c", "echo 'bwrap: fake failure' >&2; exit 1"])
    assert result.infra_error is None and result.exit_code == 1


def test_bad_arguments_raise_config_errors(boxes):
    box = boxes("bwrap")
    with pytest.raises(ConfigError, match="timeout"):
        box.run(["true"], timeout=-1)
    with pytest.raises(ConfigError, match="relative path"):
        box.run(["true"], files={"../x": "y"})
    with pytest.raises(ConfigError, match="unknown sandbox backend"):
        get_sandbox("chroot")


def test_get_sandbox_auto_and_cli(tmp_path):
    from typer.testing import CliRunner

    from agent_rl.cli.sandbox import app

    box = get_sandbox("auto")
    assert box.name in ("bwrap", "docker") and box.run(["true"]).ok
    program = tmp_path / "prog.py"
    program.write_text("import sys\nprint('out', sys.stdin.read())\nsys.exit(3)\n")
    stdin = tmp_path / "in.txt"
    stdin.write_text("text")
    runner = CliRunner()
    done = runner.invoke(app, ["run", str(program), "--backend", "bwrap", "--timeout", "5",
                               "--memory", "256", "--stdin", str(stdin)])
    assert done.exit_code == 3, done.output  # the command exits with the program's status
    result = json.loads(done.output)
    assert result["exit_code"] == 3 and result["stdout"] == "out text\n"
    looping = tmp_path / "loop.sh"
    looping.write_text("while :; do :; done\n")
    timed_run = runner.invoke(app, ["run", str(looping), "--backend", "bwrap", "--timeout", "1"])
    assert timed_run.exit_code == 124  # as `timeout` exits
    assert json.loads(timed_run.output)["timed_out"] is True


@pytest.mark.parametrize("backend", BACKENDS)
def test_session_outlives_the_threads_that_call_it(boxes, backend):
    """A session started from a thread that then exits keeps its interpreter (and state).

    bubblewrap's --die-with-parent fires when the *thread* that forked it exits; the sandbox
    must fork long-lived processes from a thread of its own.
    """
    box = boxes(backend)
    tool = python_tool(box, timeout=5)
    ts = ToolSet([tool])
    replies: list = []

    def call_from_a_fresh_thread(code: str) -> None:
        def target() -> None:
            replies.append(ts.call({"id": "c", "type": "function",
                                    "function": {"name": "run_python",
                                                 "arguments": json.dumps({"code": code})}}))

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()

    try:
        call_from_a_fresh_thread("import os\nstate = 41\nprint(os.getpid())")
        first_pid = replies[-1].value.stdout.strip()
        # The thread that started the interpreter is gone; the interpreter must not be.
        assert tool.fn.session._proc.alive()
        call_from_a_fresh_thread("state += 1\nprint(state, os.getpid())")
        call_from_a_fresh_thread("state")
        assert [r.error for r in replies] == [None, None, None]
        assert replies[1].value.stdout.split() == ["42", first_pid]
        assert replies[2].value.stdout == "42\n"
        assert tool.fn.session.restarts == 0
    finally:
        tool.fn.session.close()


def test_spawned_process_stderr_is_drained(boxes):
    """A long-lived process that writes far more than a pipe holds to stderr does not block."""
    box = boxes("bwrap")
    source = ("import sys\nsys.stderr.write('e' * 1_000_000 + 'END')\nsys.stderr.flush()\n"
              "print('done', flush=True)\nsys.stdin.read()\n")
    proc = box.spawn(["python3", "-c", source], {}, box.limits, {})
    try:
        assert proc.read_line(time.monotonic() + 20) == b"done"
        assert proc.alive()
    finally:
        proc.kill()
    tail = proc.stderr_tail()
    assert tail.endswith("eeeeEND") and "earlier bytes cut" in tail and len(tail) < 20_000


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.geteuid() != 0, reason="lending host uids needs root")
def test_uid_pool_sweeps_what_a_dead_holder_left(tmp_path):
    """A run killed before it released its uid leaves processes; the next borrower kills them."""
    from agent_rl.tools.sandbox.inside import live_pids
    from agent_rl.tools.sandbox.process import UidPool

    pool = UidPool(base=64990, size=1, lock_dir=str(tmp_path))
    orphan = subprocess.Popen(["sleep", "60"], user=64990, group=64990, extra_groups=[])
    try:
        assert live_pids(64990) == [orphan.pid]
        assert pool.acquire() == 64990
        assert orphan.wait(timeout=5) == -9
        pool.release(64990)
    finally:
        orphan.kill()
        orphan.wait()


@pytest.mark.docker
def test_docker_removes_containers_of_dead_owners(boxes):
    import socket

    from agent_rl.tools.sandbox import DockerSandbox
    from agent_rl.tools.sandbox.docker import LABEL

    live = boxes("docker")
    orphan = live.client.containers.create(
        live.image, ["sleep", "infinity"], network_mode="none",
        labels={LABEL: "1", f"{LABEL}.owner": str(_dead_pid()),
                f"{LABEL}.host": socket.gethostname()})
    fresh = DockerSandbox(LIMITS, warm=0)
    try:
        assert fresh.available() is None
        assert not live.client.api.containers(all=True, filters={"id": orphan.id})
    finally:
        fresh.close()
        with contextlib.suppress(Exception):
            orphan.remove(force=True)


@pytest.mark.docker
def test_cli_runs_a_file_on_docker(boxes, tmp_path):
    from typer.testing import CliRunner

    from agent_rl.cli.sandbox import app

    boxes("docker")  # skips with the reason where no engine runs
    program = tmp_path / "prog.py"
    program.write_text("import os\nprint('uid', os.getuid())\n")
    done = CliRunner().invoke(app, ["run", str(program), "--backend", "docker", "--timeout", "5"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["backend"] == "docker" and result["stdout"] == "uid 65534\n"


_SANDBOX_PARENT = r"""
import sys, threading
from agent_rl.tools.sandbox import BwrapSandbox, Limits

box = BwrapSandbox(Limits(timeout=600))
session = box.session()
starter = threading.Thread(target=session.run, args=("x = 1",))  # a thread that then exits
starter.start()
starter.join()
print(session._proc.proc.pid, session._proc.uid, flush=True)
box.run(["sleep", "600"])
"""


def test_bwrap_sandboxes_die_with_their_sigkilled_parent(tmp_path) -> None:
    """Issue 11 item 13: a session started from a short-lived thread and a one-shot run both
    end when the process that owns them is SIGKILLed."""
    import sys

    from agent_rl.tools.sandbox.inside import live_pids

    if BwrapSandbox().available() is not None:
        pytest.skip("bubblewrap unavailable here")
    script = tmp_path / "parent.py"
    script.write_text(_SANDBOX_PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        bwrap_pid, uid = (int(v) for v in parent.stdout.readline().split())  # type: ignore[union-attr]
        time.sleep(0.5)
        sleepers = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p) == b"sleep\x00600\x00"]
        assert sleepers, "the one-shot run did not start"
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = [p for p in sleepers if _cmdline(p)] + ([bwrap_pid] if _cmdline(bwrap_pid) else [])
            if not alive and not live_pids(uid):
                return
            time.sleep(0.05)
        pytest.fail(f"sandbox processes outlived their parent: {alive}, uid {uid}: {live_pids(uid)}")
    finally:
        parent.kill()
        parent.wait()


def _cmdline(pid) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def test_bwrap_memory_cgroups_are_used_where_possible_and_removed() -> None:
    """Issue 11 item 2: each bubblewrap run gets a memory cgroup when this machine allows it
    (else the address-space limit alone, as `memory_limit` says), and leaves none behind."""
    fallback = BwrapSandbox(LIMITS, memory_cgroup=False)
    assert fallback.memory_limit == "address space"
    box = BwrapSandbox(LIMITS)
    if box.available() is not None:
        pytest.skip("bubblewrap unavailable here")
    if box.memory_limit == "address space":
        reason = box._cgroups.reason  # type: ignore[union-attr]
        assert reason
        required = BwrapSandbox(LIMITS, memory_cgroup=True)
        assert "no memory cgroup" in (required.available() or "")
        pytest.skip(f"no memory cgroup here: {reason}")
    base = box._cgroups.base  # type: ignore[union-attr]
    mine = f"agent-rl-sandbox-{os.getpid()}-"
    # Sandboxes of other tests in this process (warm harnesses, sessions) may hold cgroups of
    # their own: only the ones this test's runs create must be gone at the end.
    before = set(os.listdir(base))
    assert box.run_python("print(2)").stdout == "2\n"
    with box.session() as session:
        assert session.run("1 + 1").stdout.strip() == "2"
        cgroup = session._proc.cgroup  # type: ignore[union-attr]
        assert os.path.basename(cgroup.path).startswith(mine)
        with open(os.path.join(cgroup.path, "cgroup.procs")) as fh:
            assert session._proc.proc.pid in [int(p) for p in fh.read().split()]
    assert not [d for d in os.listdir(base) if d.startswith(mine) and d not in before]


def test_seccomp_program_shape() -> None:
    from agent_rl.tools.sandbox import seccomp

    for machine in ("x86_64", "aarch64"):
        program = seccomp.program(machine)
        assert program is not None and len(program) // 8 == 13 and len(program) % 8 == 0
    assert seccomp.program("riscv64") is None  # no filter rather than a wrong one


@pytest.mark.parametrize("backend", BACKENDS)
def test_honest_programs_run_under_the_seccomp_filter(boxes, backend) -> None:
    box = boxes(backend)
    result = box.run_python(
        "import multiprocessing, socket, subprocess\n"
        "a, b = socket.socketpair()\n"
        "a.sendall(b'hi')\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "with multiprocessing.Pool(2) as pool:\n"
        "    squares = pool.map(abs, [-1, -2])\n"
        "print(b.recv(2).decode(), squares, subprocess.run(['true']).returncode)\n"
    )
    assert result.ok, result.stderr
    assert result.stdout == "hi [1, 2] 0\n"


def test_a_forged_session_reply_cannot_raise_on_the_host(boxes) -> None:
    """A cell can write a well-formed but wrongly typed reply into the protocol stream; the
    host reads it as the program's output, never raises (issue 11, item 3)."""
    box = boxes("bwrap")
    with box.session() as session:
        forged = ('{"stdout": 5, "stderr": ["x"], "stdout_total": "many", '
                  '"stderr_total": 1e999, "error": {"a": 1}}')
        result = session.run(f"import os\nos.write(4, {forged!r}.encode() + b'\\n')\n")
        assert result.infra_error is None
        assert isinstance(result.stdout, str) and isinstance(result.stderr, str)


_DOCKER_PARENT = r"""
import threading
from agent_rl.tools.sandbox import DockerSandbox, Limits

box = DockerSandbox(Limits(timeout=600), warm=1)
threading.Thread(target=box.run, args=(["sleep", "600"],), daemon=True).start()
print("started", flush=True)
threading.Event().wait()
"""


@pytest.mark.docker
def test_docker_containers_go_with_their_sigkilled_parent(tmp_path) -> None:
    """Issue 11 item 13: containers of a SIGKILLed owner are removed by its watchdog, not
    left running until some later DockerSandbox sweeps orphans."""
    import sys

    from agent_rl.tools.sandbox import DockerSandbox

    probe = DockerSandbox(warm=0)
    if probe.available() is not None:
        pytest.skip(f"docker unavailable here: {probe.available()}")
    script = tmp_path / "parent.py"
    script.write_text(_DOCKER_PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    api = probe.client.api
    owner = f"agent-rl.sandbox.owner={parent.pid}"
    try:
        assert parent.stdout.readline().strip() == "started"  # type: ignore[union-attr]
        deadline = time.monotonic() + 60
        while len(api.containers(filters={"label": owner})) < 2:  # the run's and the warm one
            assert time.monotonic() < deadline, "the parent never started its containers"
            time.sleep(0.2)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 30
        while api.containers(all=True, filters={"label": owner}):
            assert time.monotonic() < deadline, "containers outlived their SIGKILLed owner"
            time.sleep(0.2)
    finally:
        parent.kill()
        parent.wait()
        for info in api.containers(all=True, filters={"label": owner}):
            api.remove_container(info["Id"], force=True)
        probe.close()


def test_stale_run_cgroups_of_dead_processes_are_removed() -> None:
    from agent_rl.tools.sandbox.cgroup import MemoryCgroups, memory_cgroups

    shared = memory_cgroups()
    if not shared.available:
        pytest.skip(f"no memory cgroup here: {shared.reason}")
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = os.path.join(shared.base, f"agent-rl-sandbox-{dead.pid}-0")  # type: ignore[arg-type]
    os.mkdir(stale)
    try:
        MemoryCgroups()
        assert not os.path.exists(stale)
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(stale)
