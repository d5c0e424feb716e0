from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest
from agent_rl.envs.math import MathEnv
from agent_rl.envs.math.verify import Verdict, Verifier

from agent_rl.errors import ConfigError

PATHOLOGICAL = ("10^{10^{10^{10}}}", "5")  # sympy spins on this comparison for minutes


@pytest.mark.parametrize(
    ("gold", "answer", "correct"),
    [
        ("\\frac{1}{2}", "0.5", True),
        ("42", "42", True),
        ("1000", "1,000", True),
        ("x^2+6x+9", "(x+3)^2", True),
        ("6\\sqrt{2}", "\\sqrt{72}", True),
        ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{3}}{2}", True),
        ("42", "41", False),
        ("\\frac{11}{12}", "\\frac{12}{11}", False),
    ],
)
def test_verdicts(verifier: Verifier, gold: str, answer: str, correct: bool) -> None:
    verdict = verifier.verify(gold, answer)
    assert verdict == Verdict(correct, "ok", "")
    assert verdict.infra_error is None


def test_unparseable_is_reported_not_an_infra_error(verifier: Verifier) -> None:
    verdict = verifier.verify("42", "")
    assert verdict.status == "unparseable" and not verdict.correct
    assert verdict.detail.startswith("answer")
    assert verdict.infra_error is None
    assert verifier.verify("", "5").detail.startswith("gold")


def test_verify_many_keeps_order(verifier: Verifier) -> None:
    pairs = [(str(i), str(i if i % 3 else i + 1)) for i in range(30)]
    verdicts = verifier.verify_many(pairs)
    assert [v.correct for v in verdicts] == [i % 3 != 0 for i in range(30)]
    assert verifier.verify_many([]) == []


async def test_averify(verifier: Verifier) -> None:
    verdicts = await asyncio.gather(*(verifier.averify(str(i), str(i)) for i in range(4)))
    assert all(v.correct for v in verdicts)


def test_timeout_kills_the_worker_and_the_pool_recovers() -> None:
    with Verifier(workers=1, timeout=1.0) as pool:
        pool.start()
        before = pool.worker_pids()
        verdict = pool.verify(*PATHOLOGICAL)
        assert verdict.status == "timeout" and not verdict.correct
        assert verdict.infra_error is not None and "timeout" in verdict.infra_error
        after = pool.worker_pids()
        assert after != before
        with pytest.raises(ProcessLookupError):  # the hung worker is really gone
            os.kill(before[0], 0)
        assert pool.verify("2", "2").correct  # a fresh worker answers
        assert pool.stats["timeouts"] == 1


def test_a_dying_worker_is_reported_as_crash() -> None:
    with Verifier(workers=1, timeout=60.0) as pool:
        pool.start()
        (pid,) = pool.worker_pids()
        result: list[Verdict] = []
        thread = threading.Thread(target=lambda: result.append(pool.verify(*PATHOLOGICAL)))
        thread.start()
        time.sleep(0.5)  # the worker is busy with the pathological pair
        os.kill(pid, signal.SIGKILL)
        thread.join(30)
        assert result and result[0].status == "crash"
        assert "exit code -9" in result[0].detail
        assert result[0].infra_error is not None
        assert pool.verify("3", "3").correct


def test_env_marks_verifier_timeout_as_infra_error() -> None:
    task = {"id": "slow", "prompt": "?", "answer": PATHOLOGICAL[0]}
    with Verifier(workers=1, timeout=1.0) as pool:
        env = MathEnv(tasks=[task], verifier=pool)
        env.reset(seed=0)
        _, reward, terminated, _, info = env.step("\\boxed{5}")
    assert reward == 0.0 and terminated
    assert info["infra_error"].startswith("verifier timeout")
    assert info["verdict"]["status"] == "timeout"


def test_env_marks_unparseable_gold_as_infra_error(verifier: Verifier) -> None:
    env = MathEnv(tasks=[{"id": "bad", "prompt": "?", "answer": "}{"}], verifier=verifier)
    env.reset(seed=0)
    *_, info = env.step("\\boxed{5}")
    assert "gold" in info["infra_error"]


def test_bad_config() -> None:
    with pytest.raises(ConfigError):
        Verifier(workers=0)
    with pytest.raises(ConfigError):
        Verifier(timeout=0)
    closed = Verifier(workers=1)
    closed.close()
    with pytest.raises(RuntimeError):
        closed.verify("1", "1")


_ORPHAN_PARENT = r"""
import sys, threading, time
from agent_rl.envs.math.verify import Verifier

pool = Verifier(workers=1, timeout=600.0)
starter = threading.Thread(target=pool.start)  # spawned from a thread that then exits
starter.start()
starter.join()
time.sleep(0.3)
assert pool.verify("2", "2").correct  # the worker outlived the thread that started it
print(pool.worker_pids()[0], flush=True)
pool.verify(sys.argv[1], sys.argv[2])  # keeps the worker busy for minutes
"""


def test_a_worker_dies_with_its_sigkilled_parent(tmp_path) -> None:
    """Issue 11 item 13: a busy worker of a SIGKILLed parent once ran at 100% CPU forever."""
    import subprocess
    import sys

    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN_PARENT)
    parent = subprocess.Popen([sys.executable, str(script), *PATHOLOGICAL],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = parent.stdout.readline()  # type: ignore[union-attr]
        assert line.strip().isdigit(), f"the parent did not start its worker: {line!r}"
        worker = int(line)
        time.sleep(0.5)  # the worker is inside the pathological comparison now
        os.kill(worker, 0)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the verifier worker outlived its SIGKILLed parent")
    finally:
        parent.kill()
        parent.wait()
