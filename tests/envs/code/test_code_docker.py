"""The code env on the Docker backend (skipped, with the reason, where no engine runs)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from agent_rl.envs.code import CodeEnv, CodeTask, evaluate_code
from agent_rl.envs.code.grading import harness_pool

pytestmark = pytest.mark.docker

TASK = CodeTask(id="t/d", prompt="d", entry_point="d", asserts=("assert d(2) == 4",))
CLEAN = ["harness.py", "sandbox_inside.py", "solution.py", ".solution_output"]
GOOD = "def d(x):\n    return 2 * x\n"


@pytest.fixture
def box() -> Iterator[Any]:
    from agent_rl.tools.sandbox import get_sandbox

    from agent_rl.errors import InfraError

    try:
        made = get_sandbox("docker", shared=False)
    except InfraError as exc:
        pytest.skip(f"no Docker engine here: {exc}")
    yield made
    harness_pool(made, 512).close()
    made.close()


def _exists(cid: str) -> bool:
    return subprocess.run(["docker", "inspect", cid], capture_output=True).returncode == 0


def _gone(cids: set[str], wait: float = 15.0) -> set[str]:
    """The containers of `cids` still present after up to `wait` s (removal is asynchronous)."""
    deadline = time.monotonic() + wait
    left = {c for c in cids if _exists(c)}
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = {c for c in left if _exists(c)}
    return left


def test_sample_tasks_validate_on_docker_warm_and_cold(box) -> None:
    report = CodeEnv(sandbox=box).validate()
    assert report.ok, report.summary()
    cold = evaluate_code(TASK, GOOD, box, warm=False)
    assert cold.status == "passed"


def test_one_warm_harness_container_serves_many_tasks(box) -> None:
    """Between tasks the server cleans its container (the root-owned init and `sleep` are not
    the solution's) and serves the next task; no container is left once the pool closes."""
    pool = harness_pool(box, 512)
    pool.close()
    litter = ("import os, time\nopen('/work/left.txt', 'w').write('x')\n"
              "os.makedirs('/work/d/e')\nopen('/work/d/e/hidden', 'w').write('x')\n"
              "os.chmod('/work/d/e', 0)\nos.chmod('/work/d', 0)\n"
              "if os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\n" + GOOD)
    probe = (f"import os\nCLEAN = {CLEAN!r}\n"
             "def d(x):\n"
             "    mine = [p for p in os.listdir('/proc') if p.isdigit()\n"
             "            and os.stat('/proc/' + p).st_uid == os.getuid()]\n"
             "    # the server, the test process and this solution process\n"
             "    files = sorted(os.listdir('/work')) + os.listdir('/tmp')\n"
             "    ok = len(mine) == 3 and files == CLEAN\n"
             "    return 2 * x if ok else -1\n")
    seen = set()
    for code in (litter, probe, GOOD):
        verdict = evaluate_code(TASK, code, box)
        assert verdict.status == "passed", (verdict.error, verdict.stderr)
        assert len(pool._idle) == 1
        seen.add(pool._idle[-1].cid)
    assert len(seen) == 1, "each task needed a new server container"
    pool.close()
    assert not _gone(seen)


def test_session_container_is_removed_after_the_interpreter_dies(box) -> None:
    from agent_rl.tools.sandbox import PythonSession

    with PythonSession(box, timeout=10) as session:
        assert session.run("x = 1").ok
        first = session._proc.cid
        died = session.run("import os\nos._exit(3)")
        assert died.exit_code == 1 and "died" in died.stderr
        after = session.run("print('fresh')")
        assert after.stdout == "fresh\n" and "restarted" in after.stderr
        second = session._proc.cid
    assert first != second
    assert not _gone({first, second})
