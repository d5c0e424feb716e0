"""A persistent Python interpreter inside a sandbox, for multi-turn tool use.

The interpreter keeps its globals between calls (like a notebook kernel). Each call runs one
cell: its stdout and stderr (including writes of child processes) are captured into files in
the sandbox's /tmp, and the value of a final expression is printed as in a REPL. The protocol
runs over private copies of the original stdin/stdout, so a cell printing or reading stdin
cannot break it. A cell that exceeds its time limit kills the whole interpreter (the only
reliable way to stop it); the next call starts a fresh one and says that the state was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from typing import Any

from agent_rl.tools.sandbox.base import (
    Files,
    Limits,
    LineTooLong,
    Sandbox,
    SandboxResult,
    check_files,
    infra_result,
)

from agent_rl.errors import InfraError

SERVER = r"""
import ast, json, os, sys, traceback
proto_in = os.fdopen(os.dup(0), "rb")
proto_out = os.fdopen(os.dup(1), "wb", 0)
null = os.open("/dev/null", os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
g = {"__name__": "__main__", "__builtins__": __builtins__}
OUT, ERR = "/tmp/.cell_stdout", "/tmp/.cell_stderr"
def grab(path, limit):
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
            total = os.fstat(f.fileno()).st_size
    except OSError:
        return "", 0
    return data[:limit].decode("utf-8", "replace"), total
proto_out.write(b'{"ready": true}\n')
while True:
    line = proto_in.readline()
    if not line:
        break
    req = json.loads(line)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    fo = os.open(OUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    fe = os.open(ERR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fo, 1)
    os.dup2(fe, 2)
    os.close(fo)
    os.close(fe)
    error = None
    try:
        tree = ast.parse(req["code"], "<cell>", "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<cell>", "exec"), g)
        if last is not None:
            value = eval(compile(last, "<cell>", "eval"), g)
            if value is not None:
                print(repr(value))
    except SystemExit as exc:
        error = "SystemExit"
        print("SystemExit: %s" % (exc.code,), file=sys.stderr)
    except BaseException as exc:
        error = type(exc).__name__
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "<cell>":
            tb = tb.tb_next
        sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    limit = req.get("limit", 1 << 20)
    out, out_total = grab(OUT, limit)
    err, err_total = grab(ERR, limit)
    reply = {"stdout": out, "stderr": err, "error": error,
             "stdout_total": out_total, "stderr_total": err_total}
    proto_out.write(json.dumps(reply).encode() + b"\n")
"""


class PythonSession:
    """One interpreter in `sandbox` whose state survives between `run` calls.

    Args:
        sandbox: a BwrapSandbox or DockerSandbox (anything with a `spawn` method).
        timeout: default seconds per cell.
        memory_mb, max_processes: limits of the interpreter (default: the sandbox's).
        files: files put in the work dir when the interpreter starts.
        lifetime: CPU seconds the interpreter may use in all (its RLIMIT_CPU).
    """

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        timeout: float | None = None,
        memory_mb: int | None = None,
        max_processes: int | None = None,
        files: Files | None = None,
        lifetime: float = 3600.0,
    ) -> None:
        if not sandbox.supports_spawn:
            raise TypeError(f"{type(sandbox).__name__} cannot host a persistent session")
        self.sandbox = sandbox
        self.timeout = timeout or sandbox.limits.timeout
        self._spawn_limits: Limits = sandbox.limits.replace(
            memory_mb=memory_mb, max_processes=max_processes, timeout=lifetime
        )
        self._files = check_files(files)
        self._proc: Any = None
        self._lock = threading.Lock()
        self._lost_state = False
        self.restarts = 0

    def _start(self) -> None:
        proc = self.sandbox.spawn(["python3", "-u", "-I", "-c", SERVER], self._files,  # type: ignore[attr-defined]
                                  self._spawn_limits, {})
        try:
            line = proc.read_line(time.monotonic() + 30)
        except TimeoutError:
            line = None
        if line is None or json.loads(line or b"{}").get("ready") is not True:
            tail = proc.stderr_tail() if line is None else ""
            proc.kill()
            raise InfraError(f"python session did not start in {self.sandbox.name}: {tail}")
        self._proc = proc

    def run(self, code: str, *, timeout: float | None = None) -> SandboxResult:
        """Run one cell. Exceptions in the cell give exit_code 1 and the traceback in stderr."""
        limit = timeout or self.timeout
        with self._lock:
            start = time.monotonic()
            notice = ""
            if self._proc is None or not self._proc.alive():
                if self._proc is not None:
                    self._kill()  # frees what the dead one held (uid, container)
                    self._lost_state = True
                try:
                    self._start()
                except (InfraError, OSError) as exc:
                    return infra_result(self.sandbox.name, str(exc), time.monotonic() - start)
                if self._lost_state:
                    notice = "[session restarted: earlier variables are gone]\n"
                    self._lost_state = False
                    self.restarts += 1
            cell_start = time.monotonic()
            request = {"code": code, "limit": self.sandbox.limits.max_output_bytes}
            # A reply holds two outputs of at most `limit` bytes, JSON-escaped (up to 6x).
            max_reply = 12 * self.sandbox.limits.max_output_bytes + (1 << 16)
            try:
                self._proc.send(json.dumps(request).encode() + b"\n")
                line = self._proc.read_line(cell_start + limit, max_reply)
            except LineTooLong:
                # Only code in the cell can write to the protocol stream: its failure, not ours.
                self._kill()
                self._lost_state = True
                return SandboxResult(
                    exit_code=1,
                    stderr=notice + f"[the cell wrote over {max_reply} bytes into the session's "
                    "protocol stream; the interpreter was killed]\n",
                    duration=time.monotonic() - cell_start, output_truncated=True,
                    backend=self.sandbox.name)
            except TimeoutError:
                self._kill()
                self._lost_state = True
                return SandboxResult(exit_code=None, stderr=notice, timed_out=True,
                                     duration=time.monotonic() - cell_start,
                                     backend=self.sandbox.name)
            except OSError:
                line = None
            duration = time.monotonic() - cell_start
            if line is None:
                # The interpreter died inside the cell (os._exit, a kill, out of memory).
                tail = self._proc.stderr_tail()
                self._kill()
                self._lost_state = True
                oom = "MemoryError" in tail or bool(getattr(self._proc, "oom_killed", bool)())
                return SandboxResult(exit_code=137 if oom else 1,
                                     stderr=notice + "[the interpreter died]\n" + tail, oom=oom,
                                     duration=duration, backend=self.sandbox.name)
            try:
                reply = json.loads(line)
                if not isinstance(reply, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError):
                # The cell wrote into the protocol stream (the server itself never garbles).
                self._kill()
                self._lost_state = True
                return SandboxResult(
                    exit_code=1,
                    stderr=notice + "[the cell garbled the session's protocol stream; the "
                    "interpreter was killed]\n",
                    duration=duration, backend=self.sandbox.name)
            # The reply's fields are read defensively: code in the cell can write a
            # well-formed reply of its own into the protocol stream.
            limit_bytes = self.sandbox.limits.max_output_bytes
            stdout, stderr = _text(reply.get("stdout")), _text(reply.get("stderr"))
            stdout_total, stderr_total = _count(reply.get("stdout_total")), _count(
                reply.get("stderr_total"))
            truncated = stdout_total > limit_bytes or stderr_total > limit_bytes
            if stdout_total > limit_bytes:
                stdout += f"\n...[truncated {stdout_total - limit_bytes} bytes]..."
            if stderr_total > limit_bytes:
                stderr += f"\n...[truncated {stderr_total - limit_bytes} bytes]..."
            error = reply.get("error")
            error = None if error is None else _text(error)[:200]
            return SandboxResult(
                exit_code=0 if error is None else 1,
                stdout=stdout,
                stderr=notice + stderr,
                oom=error == "MemoryError",
                duration=duration,
                output_truncated=truncated,
                backend=self.sandbox.name,
                extra={"error": error} if error else {},
            )

    async def arun(self, code: str, *, timeout: float | None = None) -> SandboxResult:
        return await asyncio.to_thread(self.run, code, timeout=timeout)

    def _kill(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(Exception):
                self._proc.kill()

    def reset(self) -> None:
        """Drop all state (the next call starts a fresh interpreter)."""
        with self._lock:
            self._kill()
            self._proc = None
            self._lost_state = False

    def close(self) -> None:
        self.reset()

    def __enter__(self) -> PythonSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._kill()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def python_tool(
    sandbox: Sandbox | None = None,
    *,
    name: str = "run_python",
    persistent: bool = True,
    timeout: float = 10.0,
    **session_kwargs: Any,
) -> Any:
    """A `run_python(code)` Tool running code in `sandbox` (default: get_sandbox("auto")).

    With `persistent=True` the tool owns one `PythonSession`: `ToolSet.reset()` (called by the
    env at each episode start) gives it a fresh interpreter and `ToolSet.close()` stops it.
    The ToolResult's `value` is the `SandboxResult`; a sandbox failure sets the result's
    `infra_error`, which the env reports instead of scoring it as the agent's failure.
    """
    from agent_rl.tools.tool import Tool

    if sandbox is None:
        from agent_rl.tools.sandbox import get_sandbox

        sandbox = get_sandbox("auto")
    session = PythonSession(sandbox, timeout=timeout, **session_kwargs) if persistent else None

    async def run_python(code: str) -> Any:
        from agent_rl.tools.result import ToolResult

        if session is not None:
            result = await session.arun(code)
        else:
            result = await sandbox.arun_python(code, timeout=timeout)
        error = "exception" if result.infra_error else None
        return ToolResult(
            content=result.summary(), error=error, value=result, infra_error=result.infra_error
        )

    run_python.session = session  # type: ignore[attr-defined]
    description = (
        "Run Python 3 code in an isolated sandbox (no network) and return its output."
        + (" Variables persist between calls; the value of a final expression is printed."
           if persistent else "")
    )
    return Tool(
        name,
        description,
        {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "Python source to run."}},
            "required": ["code"],
            "additionalProperties": False,
        },
        run_python,
        # The sandbox enforces the limit; the extra second covers its own start-up.
        timeout=timeout + 30,
        on_reset=session.reset if session is not None else None,
        on_close=session.close if session is not None else None,
    )
