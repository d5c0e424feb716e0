"""The test harness that runs *inside* the sandbox for function tests (stdlib only, Python 3.8+).

It is sent into the sandbox as `harness.py` and run either once per task
(`python3 -I -B harness.py`, request on stdin, solution.py in the work dir) or as a warm server
(`--serve`: one length-prefixed request per task on stdin, carrying the solution; see
`serve`). The host also imports it for `count_cases` and the value codec, so both sides agree
on what a case is.

Threat model (what a hostile solution can and cannot do):

- Two processes. The harness (T) forks the solution process (C) *before* it reads the test
  spec from stdin, so C's memory never held the tests (nor, in a warm server, any earlier
  task's: every T is forked from a server that never reads a request itself). T then reads the spec (tests, nonce)
  from stdin to EOF, and only then lets C import the solution. The tests never touch the
  filesystem or the environment.
- T makes itself non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`), so C (same uid, no
  capabilities) cannot read T's memory, fds or environ through /proc or ptrace.
- The test code calls the solution through proxies: arguments and results cross a pipe as
  plain data (None, bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset;
  other iterables become iterators). The solution cannot see the test's frames or constants,
  and cannot return an object with a rigged `__eq__`. The tests never see the solution's
  source (only the names it defines).
- T reports each case as a line prefixed with a per-run random nonce that only T knows; the
  host ignores everything else, so output the solution forges cannot mark a case passed.
  Killing T or hanging only loses the cases that had not been reported (they count as failed).
- Between tasks a warm server kills every other process in its sandbox, empties every place
  a solution can write (/work, /tmp, /dev/shm, /dev/mqueue: the rest, /dev included, is
  read-only) and removes System V IPC objects, so nothing a solution leaves behind meets the
  next one.
- Not defended: a solution that guesses or hard-codes the expected outputs from the prompt;
  the *test* code itself is trusted (it comes from the task source). Return values must be
  plain data (a test that needs an object of the solution's own class cannot run here), and
  in-place mutation of arguments is not seen by the test (arguments are copies).
"""

from __future__ import annotations

import ast
import base64
import builtins
import importlib.util
import json
import os
import signal
import sys

try:  # loaded once here so that each forked test process has it already
    import resource
except ImportError:  # not on every platform; limits are then the sandbox's alone
    resource = None  # type: ignore[assignment]

try:  # on the host, share the one lock around ast.parse (CPython 3.11 thread race)
    from agent_rl.pyast import PARSE_LOCK
except ImportError:  # inside the sandbox: one thread, stdlib only
    import threading

    PARSE_LOCK = threading.Lock()

RECORD_PREFIX = "@@"
MAX_MESSAGE_BYTES = 64 << 20
MAX_DEPTH = 200
MAX_ITEMS = 1_000_000
CASE_FN = "_agent_rl_case"


# --------------------------------------------------------------------------- cases
def _check_def(tree: ast.Module) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            return node
    return None


def _counted(node: ast.stmt) -> bool:
    """A top-level assert of `check` that tests something (`assert True, "..."` does not)."""
    return isinstance(node, ast.Assert) and not isinstance(node.test, ast.Constant)


def count_cases(spec: dict) -> int:
    """How many test cases a function-test spec has.

    - `asserts`: one case per assert statement.
    - `test` (a module defining `check(candidate)`): one case per top-level assert of
      `check`'s body; 1 when all asserts are nested (in loops, helpers).
    """
    if spec.get("asserts"):
        return len(spec["asserts"])
    with PARSE_LOCK:
        tree = ast.parse(spec.get("test") or "", "<test>", "exec")
    check = _check_def(tree)
    if check is None:
        raise ValueError("the test code defines no check(candidate) function")
    return max(1, sum(1 for node in check.body if _counted(node)))


def instrument_check(test: str) -> tuple[ast.Module, int]:
    """Wrap each counted top-level assert of `check` so a failure is recorded, not fatal."""
    with PARSE_LOCK:
        tree = ast.parse(test, "<test>", "exec")
    check = _check_def(tree)
    if check is None:
        raise ValueError("the test code defines no check(candidate) function")
    index = 0
    body: list[ast.stmt] = []
    for node in check.body:
        if not _counted(node):
            body.append(node)
            continue
        record = f"{CASE_FN}({index}, __err)"
        with PARSE_LOCK:
            wrapper = ast.parse(
                "try:\n    pass\nexcept Exception as __err:\n"
                f"    {record}\nelse:\n    {CASE_FN}({index}, None)\n"
            ).body[0]
        wrapper.body = [node]  # type: ignore[attr-defined]
        body.append(wrapper)
        index += 1
    check.body = body
    ast.fix_missing_locations(tree)
    return tree, index


# --------------------------------------------------------------------------- value codec
def encode(value: object, depth: int = 0) -> object:
    """A JSON-ready form of plain data; raises TypeError for anything else."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply to cross the test boundary")
    if value is None or value is True or value is False:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return {"f": repr(float(value))}
    if isinstance(value, complex):
        return {"c": [repr(value.real), repr(value.imag)]}
    if isinstance(value, (bytes, bytearray)):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"t": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"d": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, frozenset):
        return {"F": [encode(v, depth + 1) for v in value]}
    if isinstance(value, set):
        return {"s": [encode(v, depth + 1) for v in value]}
    if isinstance(value, range):
        return {"i": [encode(v, depth + 1) for v in value]}
    if hasattr(value, "__iter__") and not isinstance(value, type):
        items = []
        for item in value:  # type: ignore[attr-defined]
            items.append(encode(item, depth + 1))
            if len(items) > MAX_ITEMS:
                raise ValueError("iterable too long to cross the test boundary")
        return {"i": items}
    raise TypeError(
        f"a value of type {type(value).__name__} cannot cross the test boundary "
        "(use plain data: numbers, strings, lists, tuples, dicts, sets)"
    )


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def decode(data: object, depth: int = 0) -> object:
    """The inverse of `encode`; never evaluates code."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if isinstance(data, dict) and len(data) == 1:
        tag, payload = next(iter(data.items()))
        if tag == "f":
            return float(payload)
        if tag == "c":
            return complex(float(payload[0]), float(payload[1]))
        if tag == "b":
            return base64.b64decode(payload)
        if tag == "t":
            return tuple(decode(v, depth + 1) for v in payload)
        if tag == "d":
            return {_hashable(decode(k, depth + 1)): decode(v, depth + 1) for k, v in payload}
        if tag == "s":
            return {_hashable(decode(v, depth + 1)) for v in payload}
        if tag == "F":
            return frozenset(_hashable(decode(v, depth + 1)) for v in payload)
        if tag == "i":
            return iter([decode(v, depth + 1) for v in payload])
    raise ValueError("malformed value from the other side of the test boundary")


# --------------------------------------------------------------------------- the channel
def _send(stream, message: dict) -> None:
    stream.write(json.dumps(message).encode("utf-8") + b"\n")
    stream.flush()


def _receive(stream) -> dict | None:
    line = stream.readline(MAX_MESSAGE_BYTES + 1)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise ValueError("message from the solution process is too large")
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("malformed message from the solution process")
    return message


# --------------------------------------------------------------------------- solution side
def _resolve(module, name: str):
    """`f` or `Class.method` (a fresh instance per call, as LeetCode-style tests expect)."""
    head, _, method = name.partition(".")
    target = getattr(module, head)
    if method:
        target = getattr(target(), method)
    return target


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _read_line_fd(fd: int, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """One line from a raw fd without reading past it (the next request stays in the pipe)."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            raise ValueError("request too large")
    return bytes(data)


def _read_frame(fd: int) -> bytes:
    """A request: its length as a decimal line, then exactly that many bytes."""
    header = _read_line_fd(fd, 32).strip()
    if not header:
        return b""
    size = int(header)
    if size > MAX_MESSAGE_BYTES:
        raise ValueError("request too large")
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _apply_limits(go: dict) -> None:
    """C lowers its own limits for this task before any solution code runs."""
    if resource is None:
        return
    for name, value in (("RLIMIT_AS", go.get("memory_bytes")), ("RLIMIT_CPU", go.get("cpu_s"))):
        if not value:
            continue
        which = getattr(resource, name)
        _soft, hard = resource.getrlimit(which)
        value = int(value)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def solution_main(proto_in_fd: int, proto_out_fd: int, go_fd: int, path: str) -> None:
    """C: wait for the go signal, import the solution, then answer calls until EOF."""
    proto_in = os.fdopen(proto_in_fd, "rb")
    proto_out = os.fdopen(proto_out_fd, "wb")
    line = _read_line_fd(go_fd, 1 << 16)
    if not line:
        os._exit(0)
    os.close(go_fd)
    _apply_limits(json.loads(line))
    try:
        spec = importlib.util.spec_from_file_location("solution", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["solution"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("__")]
    except BaseException as exc:  # the solution's own failure, reported to T
        import traceback

        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        text = "".join(traceback.format_list(frames[-5:]))
        text += "".join(traceback.format_exception_only(type(exc), exc))
        _flush()
        _send(proto_out, {"import_error": text[-4000:]})
        os._exit(0)
    _flush()
    _send(proto_out, {"ready": [str(n) for n in names]})
    while True:
        request = _receive(proto_in)
        if request is None:
            os._exit(0)
        try:
            target = _resolve(module, request["call"])
            args = decode(request["args"])
            kwargs = decode(request["kwargs"])
            value = target(*args, **kwargs)  # type: ignore[misc]
            reply = {"ok": encode(value)}
        except BaseException as exc:
            reply = {"exc": [type(exc).__name__, str(exc)[:2000]]}
        _flush()
        try:
            _send(proto_out, reply)
        except (TypeError, ValueError) as exc:
            _send(proto_out, {"exc": [type(exc).__name__, str(exc)[:2000]]})


# --------------------------------------------------------------------------- test side
class SolutionGone(RuntimeError):
    """The solution process exited or broke the protocol."""


class Channel:
    def __init__(self, proto_in, proto_out) -> None:
        self.proto_in, self.proto_out = proto_in, proto_out
        self.broken: str | None = None

    def call(self, name: str, args: tuple, kwargs: dict) -> object:
        if self.broken:
            raise SolutionGone(self.broken)
        try:
            _send(self.proto_out, {"call": name, "args": encode(list(args)),
                                   "kwargs": encode(dict(kwargs))})
        except (TypeError, ValueError):
            raise
        except OSError as exc:
            self.broken = f"the solution process is gone ({exc})"
            raise SolutionGone(self.broken) from None
        try:
            reply = _receive(self.proto_in)
        except (ValueError, OSError) as exc:
            self.broken = f"bad reply from the solution process: {exc}"
            raise SolutionGone(self.broken) from None
        if reply is None:
            self.broken = "the solution process exited"
            raise SolutionGone(self.broken)
        if "ok" in reply:
            try:
                return decode(reply["ok"])
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise TypeError(f"unreadable return value: {exc}") from None
        kind, message = [*(reply.get("exc") or []), "Exception", ""][:2]
        cls = getattr(builtins, str(kind), None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls is not SystemExit:
            try:
                error = cls(str(message))
            except Exception:
                error = RuntimeError(f"{kind}: {message}")
            raise error
        raise RuntimeError(f"{kind}: {message}")


class Proxy:
    """Stands for one function of the solution inside the test's namespace."""

    def __init__(self, channel: Channel, name: str) -> None:
        self._channel, self.__name__ = channel, name

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._channel.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<solution function {self.__name__}>"


def _set_undumpable() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    except (OSError, AttributeError, ImportError) as exc:
        sys.stderr.write(f"harness: cannot make itself non-dumpable: {exc}\n")
        sys.exit(3)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:500]


def run_tests(spec: dict, channel: Channel, names: list, emit) -> None:
    """Run the spec's cases against the solution behind `channel`; `emit(record)` each one."""
    namespace: dict = {"__name__": "__test__", "__builtins__": builtins}
    for name in names:
        namespace[name] = Proxy(channel, name)
    entry = spec.get("entry_point")
    if spec.get("setup"):
        exec(compile(spec["setup"], "<setup>", "exec"), namespace)
    if entry:
        candidate = Proxy(channel, entry)
        namespace["candidate"] = candidate
        if "." not in entry:
            namespace[entry] = candidate
    if spec.get("asserts"):
        for index, source in enumerate(spec["asserts"]):
            try:
                exec(compile(source, f"<assert {index}>", "exec"), namespace)
            except Exception as exc:
                emit({"case": index, "ok": False, "error": _describe(exc)})
            else:
                emit({"case": index, "ok": True})
        return
    tree, counted = instrument_check(spec["test"])
    done: set = set()

    def record(index: int, error: BaseException | None) -> None:
        done.add(index)
        if error is None:
            emit({"case": index, "ok": True})
        else:
            emit({"case": index, "ok": False, "error": _describe(error)})

    namespace[CASE_FN] = record
    try:
        exec(compile(tree, "<test>", "exec"), namespace)
        namespace["check"](namespace.get("candidate"))
    except Exception as exc:
        for index in range(max(counted, 1)):
            if index not in done:
                emit({"case": index, "ok": False, "error": _describe(exc)})
        return
    if counted == 0:
        emit({"case": 0, "ok": True})


OUTPUT_FILE = "/tmp/.solution_output"


def _keep_only(keep: set) -> None:
    for fd in range(3, 1024):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _output_tail(limit: int = 4000) -> str:
    try:
        with open(OUTPUT_FILE, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - limit))
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def run_one(warm: bool) -> int:
    """T: fork C, read the request, release C, run the tests, report each case with the nonce.

    One-shot mode reads the whole of stdin and finds solution.py in the work dir; warm mode
    reads one request line (which carries the solution) and writes solution.py itself.
    Returns the exit status (4: stdin closed, the warm server should stop).
    """
    t_to_c_r, t_to_c_w = os.pipe()
    c_to_t_r, c_to_t_w = os.pipe()
    go_r, go_w = os.pipe()
    solution_path = os.path.abspath("solution.py")
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            out = os.open(OUTPUT_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(out, 1)  # the solution's prints never reach the record channel
            os.dup2(out, 2)
            os.close(out)
            _keep_only({t_to_c_r, c_to_t_w, go_r})
            sys.stdin = open(os.devnull)  # noqa: SIM115
            solution_main(t_to_c_r, c_to_t_w, go_r, solution_path)
        finally:
            os._exit(0)
    for fd in (t_to_c_r, c_to_t_w, go_r):
        os.close(fd)
    raw = _read_frame(0) if warm else sys.stdin.buffer.read()
    if not raw.strip():
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return 4
    request = json.loads(raw.decode("utf-8"))
    if not warm:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    nonce = request["nonce"]
    out = sys.stdout

    def emit(record: dict) -> None:
        out.write(f"{RECORD_PREFIX}{nonce} {json.dumps(record)}\n")
        out.flush()

    if "solution" in request:
        with open(solution_path, "w", encoding="utf-8") as fh:
            fh.write(request["solution"])
    emit({"started": True})
    go = {"memory_bytes": request.get("memory_bytes"), "cpu_s": request.get("cpu_s")}
    os.write(go_w, json.dumps(go).encode() + b"\n")
    os.close(go_w)
    channel = Channel(os.fdopen(c_to_t_r, "rb"), os.fdopen(t_to_c_w, "wb"))
    try:
        hello = _receive(channel.proto_in)
    except (ValueError, OSError) as exc:
        hello = {"import_error": f"bad hello from the solution process: {exc}"}
    if hello is None or "ready" not in hello:
        message = (hello or {}).get("import_error") or "the solution process exited on import"
        emit({"import_error": str(message)[-4000:]})
    else:
        run_tests(request, channel, list(hello["ready"]), emit)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
    emit({"output": _output_tail()})
    emit({"done": True})
    out.flush()
    return 0


INSIDE_FILE = "sandbox_inside.py"
"""`tools/sandbox/inside.py` (the shared clean-up of a reused sandbox), shipped next to this
file for the warm server."""


def _load_inside():
    """The clean-up helpers from the file shipped next to this one (`-I` keeps this file's
    directory off sys.path, so it is loaded by path)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), INSIDE_FILE)
    spec = importlib.util.spec_from_file_location("sandbox_inside", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _mark(path: str) -> tuple:
    try:
        st = os.lstat(path)
    except OSError:
        return ()
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)


PRELOAD = ("typing", "math", "re", "collections", "itertools", "functools", "heapq", "bisect",
           "string", "fractions", "hashlib")


def serve() -> None:
    """The warm server: one T per request, and a clean sandbox between requests.

    Each T is forked (and forks its C) *before* its request arrives, so neither ever held an
    earlier task's tests. After each request every other process in the sandbox is killed
    (`kill(-1)` reaches exactly the sandbox's own processes: its pid namespace), repeated
    until none is left (a fork racing the kill could otherwise slip through), System V IPC
    objects are removed and every writable place is emptied (`SCRATCH_DIRS` in
    `tools/sandbox/inside.py`), so nothing one solution leaves behind meets the next. If anything survives, the server exits rather than
    serve another task.

    The server imports the standard modules that solutions use most (`PRELOAD`) once, so a
    task does not pay for them again (`from typing import List` alone costs ~10 ms); each
    task runs in fresh forks, so whatever a solution does to those modules dies with it.
    """
    _set_undumpable()
    inside = _load_inside()
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    here = os.path.dirname(os.path.abspath(__file__))
    keep = (os.path.join(here, os.path.basename(__file__)), os.path.join(here, INSIDE_FILE))
    marks = [_mark(path) for path in keep]
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    while True:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = run_one(warm=True)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if not inside.kill_all_others() or (os.WIFEXITED(status)
                                            and os.WEXITSTATUS(status) == 4):
            return
        if not inside.remove_ipc():
            return
        for top in inside.SCRATCH_DIRS:
            if os.path.isdir(top) and not inside.wipe(top, keep):
                return  # something could not be removed: never serve another task here
        if [_mark(path) for path in keep] != marks:
            return  # the solution rewrote the server's own files: they would carry over


def main() -> None:
    _set_undumpable()
    if "--serve" in sys.argv[1:]:
        serve()
        os._exit(0)
    os._exit(run_one(warm=False))


if __name__ == "__main__":
    main()
