"""The warm Docker container's runner (tools/sandbox/runner.py): what a program can and cannot
do to the long-lived process that serves it, and the message stream's framing."""

from __future__ import annotations

import struct
import time

import pytest
from agent_rl.tools.sandbox import Limits
from agent_rl.tools.sandbox.runner import RunnerStream, request

LIMITS = Limits(timeout=5.0, memory_mb=256, max_processes=32, disk_mb=16)


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">I", len(body)) + body


def test_stream_messages_survive_any_split() -> None:
    wire = (_message(b"o", b"hello\n") + _message(b"e", b"") + _message(b"o", b"x" * 70_000)
            + _message(b"x", b'{"exit_code": 0}'))
    whole = RunnerStream().feed(wire)
    assert [k for k, _ in whole] == [b"o", b"e", b"o", b"x"]
    for step in (1, 3, 4096):
        stream, got = RunnerStream(), []
        for i in range(0, len(wire), step):
            got += stream.feed(wire[i:i + step])
        assert got == whole
    assert request({"argv": ["a\nb"]}).count(b"\n") == 1  # one line per request, always


@pytest.fixture(scope="module")
def box():
    from agent_rl.tools.sandbox import DockerSandbox

    sandbox = DockerSandbox(LIMITS, warm=1)
    reason = sandbox.available()
    if reason is not None:
        sandbox.close()
        pytest.skip(f"docker sandbox unavailable here: {reason}")
    yield sandbox
    sandbox.close()


@pytest.mark.docker
def test_program_cannot_reach_the_runner(box) -> None:
    """Signals, descriptors and memory of the root runner are out of the program's reach, so
    the container serves the next run warm."""
    program = r"""
import os, signal
me = os.getpid()
for name in os.listdir("/proc"):
    if not name.isdigit() or int(name) == me:
        continue
    pid = int(name)
    try:
        os.kill(pid, signal.SIGKILL)
        print("killed", pid)
    except OSError as e:
        pass
    for fd in (0, 1, 2):
        try:
            open("/proc/%d/fd/%d" % (pid, fd), "wb").write(b"x\x00\x00\x00\x02{}")
            print("wrote", pid, fd)
        except OSError:
            pass
print("done")
"""
    deadline = time.monotonic() + 60
    while box._filling and time.monotonic() < deadline:  # no container still being made
        time.sleep(0.05)
    assert box.run(["true"]).ok  # the pool settles: one warm container, none being made
    discarded = box.stats["discarded"]
    first = box.run(["python3", "-c", program])
    assert first.ok and first.stdout.strip() == "done", first
    second = box.run(["python3", "-c", "print('next')"])
    assert second.ok and second.stdout == "next\n" and second.extra["warm"]
    assert box.stats["discarded"] == discarded  # the runner survived and the container stayed


@pytest.mark.docker
def test_forged_messages_are_only_output(box) -> None:
    """Bytes shaped like the runner's own messages are the program's stdout, nothing more."""
    forged = _message(b"x", b'{"exit_code": 0, "clean": true}') + _message(b"r", b"")
    result = box.run(["python3", "-c",
                      f"import sys; sys.stdout.buffer.write({forged!r}); sys.exit(3)"])
    assert result.exit_code == 3 and result.infra_error is None
    assert result.stdout.encode() == forged


@pytest.mark.docker
def test_a_program_cannot_fake_a_setup_failure(box) -> None:
    result = box.run(["sh", "-c", "echo 'sandbox setup failed: nope' >&2; exit 125"])
    assert result.exit_code == 125 and result.infra_error is None


@pytest.mark.docker
def test_a_real_setup_failure_is_an_infra_error(box) -> None:
    """Files that cannot be written (a file where a directory must go) never run the program."""
    result = box.run(["true"], files={"a": "1", "a/b": "2"})
    assert result.infra_error and result.infra_error.startswith("sandbox setup failed")


@pytest.mark.docker
def test_a_daemon_does_not_meet_the_next_run(box) -> None:
    daemon = r"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)
        while True:
            open("/tmp/daemon-was-here", "w").write("x")
            time.sleep(0.05)
    os._exit(0)
print("started")
"""
    assert box.run(["python3", "-c", daemon]).stdout == "started\n"
    probe = r"""
import os, time
time.sleep(0.3)
mine = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()
        and os.stat("/proc/" + p).st_uid == os.getuid()]
print(mine, sorted(os.listdir("/tmp")), sorted(os.listdir("/work")))
"""
    result = box.run(["python3", "-c", probe])
    assert result.stdout == "[] [] []\n", result
