"""Run a candidate program against a code task's tests in a sandbox and say how it did.

Function tests run through `envs/code/harness.py` (see its docstring for the threat model):
on backends that keep processes (`spawn`: bubblewrap, Docker) through warm harness servers
reused across tasks (`HarnessPool`), else one sandbox run per task; both give the same
verdicts. Stdin/stdout cases run one sandbox run per case holding only
the program and that case's input; expected outputs stay on the host and are compared here.

A failure of the sandbox itself gives `CodeVerdict.infra_error` (never a silent 0); a program
that crashes, times out or runs out of memory is an ordinary failure.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from agent_rl.envs.code.harness import INSIDE_FILE, RECORD_PREFIX, count_cases
from agent_rl.envs.code.task import CodeTask
from agent_rl.envs.core.scoring import Score
from agent_rl.tools.sandbox.base import LineTooLong

from agent_rl.errors import InfraError

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 512
FLOAT_TOLERANCE = 1e-6
SERVER_LIFETIME = 3600.0
"""CPU seconds a warm harness server may use in all (its own RLIMIT_CPU)."""


@cache
def harness_source() -> str:
    return (Path(__file__).with_name("harness.py")).read_text(encoding="utf-8")


@cache
def harness_files() -> dict[str, bytes]:
    """What a warm harness server needs in its work dir: itself and the shared clean-up."""
    from agent_rl.tools.sandbox import inside

    return {"harness.py": harness_source().encode(),
            INSIDE_FILE: Path(inside.__file__).read_bytes()}


@dataclass
class CodeVerdict:
    """How one program did on one task.

    Attributes:
        passed: cases passed.
        total: cases in the task.
        status: `passed`, `failed`, `no_code`, `import_error`, `timeout` or `infra_error`.
        cases: per case `{"ok": bool, "error"?: str}` in order.
        infra_error: set when the sandbox (not the program) failed; the score is then unknown.
        error: a short reason for a failure (first failing case, import traceback, ...).
        stderr: the tail of the program's stderr (for feedback and debugging).
    """

    passed: int
    total: int
    status: str
    cases: list[dict[str, Any]] = field(default_factory=list)
    infra_error: str | None = None
    error: str | None = None
    stderr: str = ""
    timed_out: bool = False

    @property
    def reward(self) -> float:
        """1.0 when every case passed (and the sandbox worked), else 0.0."""
        return 1.0 if self.status == "passed" else 0.0

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def to_score(self) -> Score:
        """The verdict as a `Score`: reward 1 only when every case passed; components
        `all_passed` and `pass_fraction` (the share of cases passed) say how close it came."""
        details = {"status": self.status, "passed": self.passed, "total": self.total}
        if self.error:
            details["error"] = self.error
        if self.infra_error:
            return Score.infra(self.infra_error, **details)
        return Score(self.reward, {"all_passed": self.reward, "pass_fraction": self.fraction},
                     details=details)

    def to_info(self) -> dict[str, Any]:
        """The keys an env puts in `info` (no timings: check_env compares two runs)."""
        info: dict[str, Any] = {
            "status": self.status,
            "passed": self.passed,
            "total": self.total,
            "pass_fraction": self.fraction,
        }
        if self.error:
            info["error"] = self.error
        if self.infra_error:
            info["infra_error"] = self.infra_error
        return info


def infra_verdict(total: int, message: str) -> CodeVerdict:
    return CodeVerdict(passed=0, total=total, status="infra_error", infra_error=message)


def outputs_match(got: str, expected: str, mode: str = "tokens") -> bool:
    """Compare a program's stdout with the expected output.

    `tokens`: whitespace-separated tokens equal, or both numbers within 1e-6 (absolute or
    relative); `lines`: equal after stripping trailing whitespace of each line and trailing
    blank lines; `exact`: byte for byte.
    """
    if mode == "exact":
        return got == expected
    if mode == "lines":
        return [s.rstrip() for s in got.rstrip().splitlines()] == [
            s.rstrip() for s in expected.rstrip().splitlines()
        ]
    ours, theirs = got.split(), expected.split()
    if len(ours) != len(theirs):
        return False
    for a, b in zip(ours, theirs, strict=True):
        if a == b:
            continue
        try:
            x, y = float(a), float(b)
        except ValueError:
            return False
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        if not math.isclose(x, y, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE):
            return False
    return True


def _first_error(cases: list[dict[str, Any]]) -> str | None:
    for index, case in enumerate(cases):
        if not case.get("ok"):
            return f"case {index}: {case.get('error') or 'failed'}"
    return None


def _request(task: CodeTask, code: str, timeout: float, memory_mb: int) -> dict[str, Any]:
    source = (task.prefix + "\n" + code) if task.prefix else code
    return {
        **task.test_spec(),
        "nonce": secrets.token_hex(16),
        "solution": source,
        "memory_bytes": memory_mb * 1024 * 1024,
        "cpu_s": math.ceil(timeout) + 1,
    }


@dataclass
class _RawRun:
    records: list[dict[str, Any]]
    timed_out: bool = False
    exit_note: str = ""
    infra_error: str | None = None
    stderr: str = ""


MAX_RECORD_BYTES = 1 << 20
"""Longest record line the host reads from a warm harness (the harness cuts its own texts to
a few KB; anything longer comes from a program that took the harness's stdout)."""
MAX_HARNESS_OUTPUT = 32 << 20
"""Bytes the host reads from a warm harness for one task before it kills the server."""


def _parse_records(stdout_lines: list[str], nonce: str) -> list[dict[str, Any]]:
    marker = f"{RECORD_PREFIX}{nonce} "
    records = []
    for line in stdout_lines:
        if line.startswith(marker):
            try:
                record = json.loads(line[len(marker):])
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def _run_once(sandbox: Any, request: dict[str, Any], timeout: float, memory_mb: int) -> _RawRun:
    """One sandbox run of the harness (backends without long-lived processes)."""
    payload = {k: v for k, v in request.items() if k != "solution"}
    result = sandbox.run(
        ["python3", "-I", "-B", "harness.py"],
        files={"harness.py": harness_source(), "solution.py": request["solution"]},
        stdin=json.dumps(payload),
        timeout=timeout,
        memory_mb=memory_mb,
    )
    if result.infra_error:
        return _RawRun([], infra_error=result.infra_error)
    note = f"exit {result.exit_code}" + (", out of memory" if result.oom else "")
    return _RawRun(_parse_records(result.stdout.splitlines(), request["nonce"]),
                   timed_out=result.timed_out, exit_note=note, stderr=result.stderr[-2000:])


class HarnessPool:
    """Warm harness servers (`harness.py --serve`) in one sandbox backend, reused across tasks.

    Starting a sandbox and an interpreter costs far more than running HumanEval-sized tests;
    a warm server pays it once. Each server lives in its own sandbox and runs one task at a
    time; between tasks it kills every other process of its sandbox and wipes its files (see
    `harness.serve`). A server that overruns a time limit, dies or misbehaves is killed and
    replaced, never reused.
    """

    def __init__(self, sandbox: Any, memory_mb: int, *, max_idle: int | None = None) -> None:
        self.sandbox = sandbox
        self.memory_mb = memory_mb
        self.max_idle = max_idle or getattr(sandbox, "max_concurrency", 4)
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def _spawn(self) -> Any:
        limits = self.sandbox.limits.replace(memory_mb=self.memory_mb, timeout=SERVER_LIFETIME)
        proc = self.sandbox.spawn(["python3", "-I", "-B", "harness.py", "--serve"],
                                  harness_files(), limits, {})
        try:
            line = proc.read_line(time.monotonic() + 30)
        except TimeoutError:
            line = None
        if not line or json.loads(line).get("ready") is not True:
            tail = proc.stderr_tail()
            proc.kill()
            raise OSError(f"the warm test harness did not start: {tail[-300:]}")
        return proc

    def _take(self) -> Any:
        with self._lock:
            while self._idle:
                proc = self._idle.pop()
                if proc.alive():
                    return proc
                proc.kill()
        return self._spawn()

    def _give_back(self, proc: Any) -> None:
        with self._lock:
            if len(self._idle) < self.max_idle and proc.alive():
                self._idle.append(proc)
                return
        proc.kill()

    def run(self, request: dict[str, Any], timeout: float) -> _RawRun:
        """Run one request; a server that dies before starting it is replaced once."""
        raw = self._run_on_one(request, timeout)
        if raw.exit_note and not raw.timed_out and not any(r.get("started") for r in raw.records):
            raw = self._run_on_one(request, timeout)
        return raw

    def _run_on_one(self, request: dict[str, Any], timeout: float) -> _RawRun:
        try:
            proc = self._take()
        except (OSError, InfraError) as exc:
            return _RawRun([], infra_error=f"cannot start the test harness: {exc}")
        body = json.dumps(request).encode("utf-8")
        # Records are parsed as they come and other lines dropped: what the host holds and
        # scans stays linear in, and capped by, what it reads (a solution that takes the
        # server's stdout can write without end).
        records: list[dict[str, Any]] = []
        read = 0
        deadline = time.monotonic() + timeout
        try:
            proc.send(str(len(body)).encode() + b"\n" + body)
            while True:
                line = proc.read_line(deadline, MAX_RECORD_BYTES)
                if line is None:
                    proc.kill()
                    return _RawRun(records, exit_note="the harness exited")
                read += len(line) + 1
                if read > MAX_HARNESS_OUTPUT:
                    raise LineTooLong(f"more than {MAX_HARNESS_OUTPUT} bytes of output")
                new = _parse_records([line.decode("utf-8", "replace")], request["nonce"])
                records += new
                if new and new[0].get("done"):
                    break
        except TimeoutError:
            proc.kill()
            return _RawRun(records, timed_out=True)
        except LineTooLong as exc:
            proc.kill()
            return _RawRun(records, exit_note=f"the harness's output was cut off ({exc})")
        except OSError as exc:
            proc.kill()
            return _RawRun(records, exit_note=f"the harness pipe broke ({exc})")
        self._give_back(proc)
        return _RawRun(records)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for proc in idle:
            proc.kill()


_pools: dict[tuple[int, int], HarnessPool] = {}
_pools_lock = threading.Lock()


def harness_pool(sandbox: Any, memory_mb: int) -> HarnessPool:
    """The shared pool of warm harness servers for `sandbox` at this memory cap."""
    key = (id(sandbox), memory_mb)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or pool.sandbox is not sandbox:
            pool = _pools[key] = HarnessPool(sandbox, memory_mb)
        return pool


@atexit.register
def close_pools() -> None:
    """Kill every idle warm harness server (also run at interpreter exit)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def run_function_tests(task: CodeTask, code: str, sandbox: Any, *, timeout: float,
                       memory_mb: int, warm: bool = True) -> CodeVerdict:
    """Run `code` against the task's function tests through the harness.

    `warm=True` uses a warm harness server when the backend can keep processes (`spawn`),
    else one sandbox run per task. Both give the same verdicts.
    """
    total = count_cases(task.test_spec())
    request = _request(task, code, timeout, memory_mb)
    if warm and sandbox.supports_spawn:
        raw = harness_pool(sandbox, memory_mb).run(request, timeout)
    else:
        raw = _run_once(sandbox, request, timeout, memory_mb)
    if raw.infra_error:
        return infra_verdict(total, raw.infra_error)
    records = raw.records
    if not any(r.get("started") for r in records):
        if raw.timed_out:
            return infra_verdict(total, f"the test harness did not start within {timeout:g} s")
        return infra_verdict(
            total, f"the test harness failed to start ({raw.exit_note}): {raw.stderr[-500:]}"
        )
    cases: list[dict[str, Any]] = [{"ok": False, "error": "not run"} for _ in range(total)]
    import_error = None
    done = False
    output = raw.stderr
    for record in records:
        if "case" in record and isinstance(record["case"], int) and 0 <= record["case"] < total:
            entry = {"ok": bool(record.get("ok"))}
            if record.get("error"):
                entry["error"] = str(record["error"])
            cases[record["case"]] = entry
        elif "import_error" in record:
            import_error = str(record["import_error"])
        elif "output" in record:
            output = str(record["output"])
        elif record.get("done"):
            done = True
    passed = sum(1 for c in cases if c["ok"])
    verdict = CodeVerdict(passed=passed, total=total, status="failed", cases=cases,
                          stderr=output[-2000:], timed_out=raw.timed_out)
    if import_error is not None:
        verdict.status, verdict.error = "import_error", import_error[-1000:]
        for case in cases:
            case["error"] = "the solution failed to import"
    elif raw.timed_out:
        verdict.status = "timeout"
        verdict.error = f"time limit of {timeout:g} s exceeded"
    elif not done:
        verdict.error = f"the test run ended early ({raw.exit_note})"
    elif passed == total:
        verdict.status = "passed"
    else:
        verdict.error = _first_error(cases)
    return verdict


def _run_case(sandbox: Any, code: str, stdin: str, timeout: float, memory_mb: int) -> Any:
    return sandbox.run(["python3", "solution.py"], files={"solution.py": code}, stdin=stdin,
                       timeout=timeout, memory_mb=memory_mb)


def run_stdio_tests(task: CodeTask, code: str, sandbox: Any, *, timeout: float, memory_mb: int,
                    max_workers: int = 4) -> CodeVerdict:
    """Run the program once per case with only that input; compare outputs on the host."""
    total = len(task.io)
    workers = max(1, min(max_workers, total))
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="code-io") as pool:
        results = list(pool.map(lambda c: _run_case(sandbox, code, c.input, timeout, memory_mb),
                                task.io))
    for result in results:
        if result.infra_error:
            return infra_verdict(total, result.infra_error)
    cases: list[dict[str, Any]] = []
    for result, case in zip(results, task.io, strict=True):
        if result.timed_out:
            cases.append({"ok": False, "error": f"time limit of {timeout:g} s exceeded"})
        elif result.oom:
            cases.append({"ok": False, "error": "out of memory"})
        elif result.exit_code != 0:
            tail = result.stderr.strip().splitlines()[-1:] or [""]
            cases.append({"ok": False, "error": f"exit code {result.exit_code}: {tail[0][:300]}"})
        elif outputs_match(result.stdout, case.output, task.compare):
            cases.append({"ok": True})
        else:
            cases.append({"ok": False, "error": "wrong answer"})
    passed = sum(1 for c in cases if c["ok"])
    timed_out = any(r.timed_out for r in results)
    status = "passed" if passed == total else ("timeout" if timed_out else "failed")
    stderr = next((r.stderr[-2000:] for r in results if r.stderr), "")
    return CodeVerdict(passed=passed, total=total, status=status, cases=cases,
                       error=_first_error(cases), stderr=stderr, timed_out=timed_out)


def evaluate_code(task: CodeTask, code: str | None, sandbox: Any, *,
                  timeout: float | None = None, memory_mb: int | None = None,
                  warm: bool = True) -> CodeVerdict:
    """Score `code` on `task` in `sandbox` (a `agent_rl.tools.sandbox.Sandbox`).

    `timeout`/`memory_mb` are defaults that a task's own `time_limit`/`memory_mb` override.
    `warm` lets function tests reuse warm harness servers (see `HarnessPool`).
    """
    try:
        total = count_cases(task.test_spec()) if task.kind == "function" else len(task.io)
    except (SyntaxError, ValueError) as exc:
        return infra_verdict(0, f"task {task.id}: its tests cannot be read: {exc}")
    if code is None or not code.strip():
        return CodeVerdict(passed=0, total=total, status="no_code",
                           cases=[{"ok": False, "error": "no code"} for _ in range(total)],
                           error="no ```python code block found in the reply")
    limit = task.time_limit or timeout or DEFAULT_TIMEOUT
    memory = task.memory_mb or memory_mb or DEFAULT_MEMORY_MB
    if task.kind == "stdio":
        return run_stdio_tests(task, code, sandbox, timeout=limit, memory_mb=memory)
    return run_function_tests(task, code, sandbox, timeout=limit, memory_mb=memory, warm=warm)
