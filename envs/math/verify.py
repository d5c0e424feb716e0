"""Answer verification with math-verify in worker processes with a hard timeout: THE shared
verifier of agent-rl (math envs, training rewards and evals all call it).

Why processes: math-verify's own timeouts use SIGALRM, which only works in the main thread of
the main interpreter, and some inputs make sympy spin for minutes (`10^{10^{10^{10}}}` against
`5`). Each worker runs math-verify with its internal timeouts off; the parent waits at most
`timeout` seconds, then SIGKILLs the worker and starts a fresh one. A worker dies with this
process, even when it is SIGKILLed mid-comparison (parent-death signal, see `_verify_worker`).
Two workers on two cores also verify about twice as fast as one process
(benchmarks/bench_math_verify.py).

Verdict statuses:
    ok           math-verify compared the two; `correct` is its answer.
    unparseable  the answer has no expression math-verify can read: the agent's fault (0).
    bad_gold     the gold has no expression math-verify can read: a data bug, reported as
                 an infrastructure error (the task cannot judge anyone).
    timeout      the worker was killed after `timeout` seconds: an infrastructure failure.
    crash        the worker died or raised: an infrastructure failure.

Example:
    >>> with Verifier(workers=1) as verifier:            # doctest: +SKIP
    ...     verifier.verify("\\\\frac{1}{2}", "0.5")
    Verdict(correct=True, status='ok', detail='')
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from agent_rl.envs.math._verify_worker import as_math, check
from agent_rl.tools.sandbox.process import popen_for_process_lifetime

from agent_rl.errors import ConfigError

__all__ = ["INFRA_STATUSES", "Status", "Verdict", "Verifier", "as_math", "check", "get_verifier"]

logger = logging.getLogger(__name__)

Status = Literal["ok", "timeout", "crash", "unparseable", "bad_gold"]
INFRA_STATUSES = frozenset({"timeout", "crash", "bad_gold"})
_STARTUP_TIMEOUT = 120.0  # importing sympy on a loaded 2-core machine can take a while
_WORKER_SCRIPT = str(Path(__file__).with_name("_verify_worker.py"))


@dataclass(frozen=True)
class Verdict:
    """The outcome of one gold/answer comparison."""

    correct: bool
    """True only when status is "ok" and math-verify found the answer equal to the gold."""
    status: Status
    """"ok", "unparseable", or a failure that is not the agent's: "timeout" / "crash" /
    "bad_gold"."""
    detail: str = ""
    """Why, for anything but a clean comparison."""

    @property
    def infra_error(self) -> str | None:
        """A message for `info["infra_error"]` when the verifier itself failed, else None."""
        if self.status == "bad_gold":
            return f"bad gold answer: {self.detail}"
        if self.status in INFRA_STATUSES:
            return f"verifier {self.status}: {self.detail}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Worker:
    """One worker process and the parent's end of its pipes."""

    def __init__(self, memory_limit_mb: int | None) -> None:
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        # Forked from a thread that lives as long as this process, so the worker's
        # parent-death signal fires when this process dies, not when a caller's thread ends.
        self.process = popen_for_process_lifetime(
            [sys.executable, "-u", _WORKER_SCRIPT, str(memory_limit_mb or 0), str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C in the terminal must not kill workers mid-reply
        )
        self._fd = self.process.stdout.fileno()  # type: ignore[union-attr]
        self._buffer = b""
        self.ready = False

    def send(self, gold: str, answer: str) -> None:
        line = json.dumps({"gold": gold, "answer": answer}) + "\n"
        self.process.stdin.write(line.encode())  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]

    def read_line(self, timeout: float) -> Any:
        """The next JSON reply; raises TimeoutError, or EOFError if the worker died."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self._fd, 65536)
            if not chunk:
                raise EOFError
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def wait_ready(self) -> str | None:
        """None once the worker has imported math-verify, else why it never got there."""
        if self.ready:
            return None
        try:
            if self.read_line(_STARTUP_TIMEOUT) == "ready":
                self.ready = True
                return None
        except (TimeoutError, EOFError, OSError, ValueError):
            pass
        self.kill()
        return f"worker failed to start (exit code {self.process.returncode})"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass


class Verifier:
    """A reusable pool of math-verify worker processes; thread-safe.

    Args:
        workers: processes in the pool (default: min(2, CPU count)).
        timeout: seconds one comparison may take before its worker is killed.
        memory_limit_mb: address-space limit of each worker (None: no limit).
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout: float = 5.0,
        memory_limit_mb: int | None = 2048,
    ) -> None:
        workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        if workers < 1:
            raise ConfigError(f"must be >= 1, got {workers}", key="workers")
        if timeout <= 0:
            raise ConfigError(f"must be > 0, got {timeout}", key="timeout")
        self.workers = workers
        self.timeout = timeout
        self.memory_limit_mb = memory_limit_mb
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._pool: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self.stats = {"timeouts": 0, "crashes": 0, "restarts": 0}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Verifier:
        """Start the workers now (otherwise the first `verify` does) and wait until ready."""
        self._ensure_started()
        workers = [self._idle.get() for _ in range(self.workers)]
        try:
            for worker in workers:
                problem = worker.wait_ready()
                if problem:
                    logger.warning("verifier %s", problem)
        finally:
            for worker in workers:
                self._idle.put(worker if worker.ready else self._replace(worker))
        return self

    def _ensure_started(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("Verifier is closed")
            if not self._pool:
                for _ in range(self.workers):
                    worker = _Worker(self.memory_limit_mb)
                    self._pool.append(worker)
                    self._idle.put(worker)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        new = _Worker(self.memory_limit_mb)
        with self._lock:
            self.stats["restarts"] += 1
            self._pool = [new if w is worker else w for w in self._pool]
        return new

    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (for diagnostics and tests)."""
        with self._lock:
            return [w.process.pid for w in self._pool]

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, []
        for worker in pool:
            try:
                worker.process.stdin.close()  # type: ignore[union-attr]  # EOF ends the loop
            except OSError:
                pass
        for worker in pool:
            try:
                worker.process.wait(1)
            except subprocess.TimeoutExpired:
                pass
            worker.kill()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # ------------------------------------------------------------------ verification
    def verify(self, gold: str, answer: str, timeout: float | None = None) -> Verdict:
        """Compare `answer` with `gold` (strings, LaTeX or plain) in a worker process."""
        if not isinstance(gold, str) or not isinstance(answer, str):
            raise TypeError("gold and answer must be strings")
        self._ensure_started()
        limit = self.timeout if timeout is None else timeout
        worker = self._idle.get()
        try:
            problem = worker.wait_ready()
            if problem:
                self.stats["crashes"] += 1
                worker = self._replace(worker)
                return Verdict(False, "crash", problem)
            try:
                worker.send(gold, answer)
                correct, status, detail = worker.read_line(limit)
            except TimeoutError:
                self.stats["timeouts"] += 1
                worker = self._replace(worker)
                return Verdict(
                    False,
                    "timeout",
                    f"no verdict within {limit:g} s, worker killed (gold {gold[:60]!r}, "
                    f"answer {answer[:60]!r})",
                )
            except (EOFError, OSError, ValueError) as exc:
                self.stats["crashes"] += 1
                try:
                    code = worker.process.wait(1)
                except subprocess.TimeoutExpired:
                    code = None
                worker = self._replace(worker)
                return Verdict(
                    False, "crash", f"worker died (exit code {code}; {type(exc).__name__})"
                )
            if status == "crash":
                self.stats["crashes"] += 1
            return Verdict(bool(correct), status, detail)
        finally:
            self._idle.put(worker)

    def verify_many(
        self, pairs: Iterable[tuple[str, str]], timeout: float | None = None
    ) -> list[Verdict]:
        """Verify many (gold, answer) pairs on all workers at once; results in input order."""
        items = list(pairs)
        if not items:
            return []
        self._ensure_started()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="verify") as pool:
            return list(pool.map(lambda p: self.verify(p[0], p[1], timeout), items))

    async def averify(self, gold: str, answer: str, timeout: float | None = None) -> Verdict:
        """Async `verify` (waits in a thread, so the event loop keeps running)."""
        return await asyncio.to_thread(self.verify, gold, answer, timeout)


_default: Verifier | None = None
_default_lock = threading.Lock()


def get_verifier() -> Verifier:
    """The process-wide shared Verifier (started lazily, closed at exit)."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = Verifier()
            atexit.register(_default.close)
        return _default
