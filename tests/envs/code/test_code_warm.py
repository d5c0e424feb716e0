"""Warm harness servers: reused across tasks without anything crossing from one to the next,
and the one-shot path (backends without long-lived processes) gives the same verdicts."""

from __future__ import annotations

import pytest
from agent_rl.envs.code import CodeTask, evaluate_code
from agent_rl.envs.code.grading import harness_pool

# What a clean sandbox holds while a task runs: the server's files, the solution, its output.
CLEAN = ["harness.py", "sandbox_inside.py", "solution.py", ".solution_output"]
TASK = CodeTask(id="t/sq", prompt="square", entry_point="sq",
                asserts=("assert sq(3) == 9", "assert sq(-2) == 4", "assert sq(0) == 0"))


@pytest.mark.parametrize(
    ("code", "status", "passed"),
    [
        ("def sq(x):\n    return x * x\n", "passed", 3),
        ("def sq(x):\n    return x * 2 if x == 0 else x * x\n", "passed", 3),
        ("def sq(x):\n    return abs(x) * 3\n", "failed", 2),
        ("import os\nos._exit(1)\n", "import_error", 0),
        ("def sq(x):\n    while True:\n        pass\n", "timeout", 0),
    ],
)
def test_warm_and_one_shot_agree(sandbox, code: str, status: str, passed: int) -> None:
    warm = evaluate_code(TASK, code, sandbox, timeout=2.0, warm=True)
    cold = evaluate_code(TASK, code, sandbox, timeout=2.0, warm=False)
    for verdict in (warm, cold):
        assert (verdict.status, verdict.passed, verdict.infra_error) == (status, passed, None)
    assert warm.cases == cold.cases


def test_nothing_survives_from_one_task_to_the_next(sandbox) -> None:
    pool = harness_pool(sandbox, 512)
    pool.close()  # start from one fresh server so both tasks surely share it
    litter = (
        "import os, time\n"
        "open('/work/left.txt', 'w').write('x')\n"
        "open('/tmp/left.txt', 'w').write('x')\n"
        "os.makedirs('/work/d/e', exist_ok=True)\n"
        "open('/work/d/e/hidden.txt', 'w').write('x')\n"
        "os.chmod('/work/d/e', 0)\n"
        "os.chmod('/work/d', 0)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "def sq(x):\n    return x * x\n"
    )
    first = evaluate_code(TASK, litter, sandbox)
    assert first.status == "passed"
    # Control: while the first task ran, the litter was really there.
    seen = evaluate_code(TASK, litter.replace("def sq(x):\n    return x * x\n", "")
                         + "import os\ndef sq(x):\n    return x * x if os.path.exists('/work/left.txt') else 0\n",
                         sandbox)
    assert seen.status == "passed"
    server_pid = pool._idle[-1].proc.pid if pool._idle else None
    probe = (
        f"import os\nCLEAN = {CLEAN!r}\n"
        "ME = {os.getpid(), os.getppid()}\n"
        "def sq(x):\n"
        "    procs = []\n"
        "    for p in os.listdir('/proc'):\n"
        "        if p.isdigit() and int(p) not in ME:\n"
        "            try:\n"
        "                cmd = open(f'/proc/{p}/cmdline', 'rb').read()\n"
        "            except OSError:\n"
        "                continue\n"
        "            procs.append(cmd)\n"
        "    files = sorted(os.listdir('/work')) + os.listdir('/tmp')\n"
        "    print('PROCS', procs, 'FILES', files)\n"
        "    # Only the namespace's init (bwrap) and the server itself may be there.\n"
        "    return x * x if len(procs) == 2 and files == CLEAN else -1\n"
    )
    second = evaluate_code(TASK, probe, sandbox)
    assert second.status == "passed", second.stderr
    assert pool._idle and pool._idle[-1].proc.pid == server_pid  # the same server ran both


def test_a_server_that_timed_out_is_replaced(sandbox) -> None:
    pool = harness_pool(sandbox, 512)
    pool.close()
    evaluate_code(TASK, "def sq(x):\n    return x * x\n", sandbox)
    before = pool._idle[-1].proc.pid
    hung = evaluate_code(TASK, "import time\ntime.sleep(30)\n", sandbox, timeout=1.0)
    assert hung.status == "timeout" and hung.infra_error is None
    after = evaluate_code(TASK, "def sq(x):\n    return x * x\n", sandbox)
    assert after.status == "passed"
    assert before not in [p.proc.pid for p in pool._idle]


def test_a_server_whose_files_were_rewritten_is_not_reused(sandbox) -> None:
    """The server keeps harness.py next to the solution; a solution that rewrites it (say,
    to fill the disk of the next task) ends that server."""
    pool = harness_pool(sandbox, 512)
    pool.close()
    evaluate_code(TASK, "def sq(x):\n    return x * x\n", sandbox)
    before = pool._idle[-1].proc.pid
    rewrite = "open('/work/harness.py', 'a').write('#' * 100000)\ndef sq(x):\n    return x * x\n"
    assert evaluate_code(TASK, rewrite, sandbox).status == "passed"
    after = evaluate_code(TASK, "def sq(x):\n    return x * x\n", sandbox)
    assert after.status == "passed" and after.infra_error is None
    assert before not in [p.proc.pid for p in pool._idle]


LITTER_EVERYWHERE = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
KEY = 0x5EED
for d in ("/work", "/tmp", "/dev", "/dev/shm", "/dev/mqueue", "/run", "/var/tmp", "/"):
    try:
        open(os.path.join(d, "litter"), "w").write("secret")
    except OSError:
        pass
libc.shmget(KEY, 4096, 0o1666)  # IPC_CREAT | 0666: a System V segment outlives its process
libc.msgget(KEY, 0o1666)
libc.semget(KEY, 1, 0o1666)
rt = ctypes.CDLL("librt.so.1", use_errno=True)
rt.mq_open(b"/litter", os.O_CREAT | os.O_RDWR, 0o600, None)
def sq(x):
    return x * x
'''

PROBE_EVERYWHERE = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
KEY = 0x5EED
found = [d for d in ("/work", "/tmp", "/dev", "/dev/shm", "/dev/mqueue", "/run", "/var/tmp", "/")
         if os.path.exists(os.path.join(d, "litter"))]
found += [name for name, get in (("shm", lambda: libc.shmget(KEY, 0, 0)),
                                 ("msg", lambda: libc.msgget(KEY, 0)),
                                 ("sem", lambda: libc.semget(KEY, 0, 0)),
                                 ("mq", lambda: ctypes.CDLL("librt.so.1").mq_open(
                                     b"/litter", os.O_RDWR))) if get() >= 0]
print("FOUND", found)
def sq(x):
    return x * x if not found else -1
'''


def test_nothing_written_anywhere_meets_the_next_task(sandbox) -> None:
    """Issue 11 item 1: a file left in /dev (and System V or POSIX IPC objects) crossed
    tasks."""
    pool = harness_pool(sandbox, 512)
    pool.close()
    first = evaluate_code(TASK, LITTER_EVERYWHERE, sandbox)
    assert first.status == "passed"
    server_pid = pool._idle[-1].proc.pid
    second = evaluate_code(TASK, PROBE_EVERYWHERE, sandbox)
    assert pool._idle and pool._idle[-1].proc.pid == server_pid  # the same server ran both
    assert second.status == "passed", second.stderr


HIJACK = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
fds = []
for pid in (1, 2, 3):
    pidfd = libc.syscall(434, pid, 0)  # pidfd_open
    for target in (1, 3, 4):
        fd = libc.syscall(438, pidfd, target, 0) if pidfd >= 0 else -1  # pidfd_getfd
        if fd >= 0:
            fds.append(fd)
    try:
        fds.append(os.open("/proc/%d/fd/1" % pid, os.O_WRONLY))
    except OSError:
        pass
for fd in fds:
    try:
        for _ in range(300):
            os.write(fd, b"x" * (1 << 20))
    except OSError:
        pass
def sq(x):
    return x * x
'''


def test_a_solution_flooding_the_servers_stdout_costs_the_host_little(sandbox) -> None:
    """Issue 11 item 3: a solution took the harness server's stdout (pidfd_getfd on the
    sandbox's init) and wrote hundreds of MB without a newline: the host read it uncapped,
    rescanning its buffer per chunk (9.4 s of host CPU, 128 MB). It is now blocked or cut."""
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = time.process_time()
    verdict = evaluate_code(TASK, HIJACK, sandbox, timeout=10.0)
    cpu = time.process_time() - cpu
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert verdict.infra_error is None
    assert grown < 100, f"the host grew by {grown:.0f} MB"
    assert cpu < 5.0, f"the host spent {cpu:.1f} s of CPU reading"  # hang detector
    after = evaluate_code(TASK, "def sq(x):\n    return x * x\n", sandbox)
    assert after.status == "passed"


MEMFD_HOG = '''
import os
fds = []
for _ in range(64):
    fds.append(os.memfd_create("hold"))
    os.write(fds[-1], b"x" * (16 << 20))
def sq(x):
    return x * x
'''


def test_a_solution_holding_memory_in_memfds_does_not_pass(sandbox) -> None:
    """Issue 11 item 2: a solution used about 1 GB (memfds) under a 512 MB cap and still
    scored 1.0; a memory cgroup over the whole sandbox counts those pages."""
    if sandbox.memory_limit == "address space":
        pytest.skip("no memory cgroup on this machine (the documented address-space gap)")
    verdict = evaluate_code(TASK, MEMFD_HOG, sandbox, timeout=10.0, memory_mb=512)
    assert verdict.infra_error is None
    assert verdict.status != "passed" and verdict.reward == 0.0
    after = evaluate_code(TASK, "def sq(x):\n    return x * x\n", sandbox, memory_mb=512)
    assert after.status == "passed"
