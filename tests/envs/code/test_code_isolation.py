"""A hostile solution must not find the tests' expected outputs, nor see the test code.

The hostile program searches everything it can reach from inside the sandbox: the
filesystem, its environment, every /proc entry (environ, cmdline, fds, memory of readable
processes, its parent's included), its stdin and its own heap. A positive control shows that
the same search does find a secret that *is* within reach, so a passing test means the
secret was out of reach, not that the search was blind.
"""

from __future__ import annotations

from agent_rl.envs.code import CodeTask, evaluate_code, io_cases

SECRET = "Zq8-EXPECTED-OUTPUT-5519"
# The program builds the secret at run time (no constant of it in its source or bytecode) and
# skips its own globals, so only a copy *outside* the program can be found.
SEARCH = r'''
import gc, os, sys

SECRET = "".join(map(chr, CODES))
found = []

def look(where, data):
    if data is SECRET:
        return
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    if SECRET.encode() in data:
        found.append(where)

def scan(where, obj, depth):
    """Strings reachable from `obj`, except through this program's own globals."""
    if obj is globals() or depth > 4:
        return
    if isinstance(obj, (str, bytes)):
        look(where, obj)
    elif isinstance(obj, dict):
        for v in list(obj.values()):
            scan(where, v, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in list(obj):
            scan(where, v, depth + 1)

def read(path, limit=1 << 20):
    try:
        with open(path, "rb") as fh:
            return fh.read(limit)
    except Exception:
        return b""

def search():
    for key, value in os.environ.items():
        look("env " + key, value)
    for top in ("/work", "/tmp", "/dev/shm", "/run", "/var", "/etc", "/home", "/root", "/"):
        for root, dirs, files in os.walk(top):
            if root == "/":
                dirs[:] = [d for d in dirs if d not in ("usr", "proc", "sys", "dev", "lib",
                                                        "lib64", "bin", "sbin")]
            for name in files:
                look("file " + os.path.join(root, name), read(os.path.join(root, name)))
    # Our own memory holds our own copy of SECRET; the heap scan below covers it.
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        for part in ("environ", "cmdline"):
            look(f"/proc/{pid}/{part}", read(f"/proc/{pid}/{part}"))
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            fds = []
        for fd in fds:
            path = f"/proc/{pid}/fd/{fd}"
            try:
                target = os.readlink(path)
            except OSError:
                continue
            if target.startswith(("/", "memfd:")) and not target.startswith("/dev/"):
                look(path, read(path))
        maps = read(f"/proc/{pid}/maps").decode("ascii", "replace").splitlines()
        try:
            mem = open(f"/proc/{pid}/mem", "rb")
        except OSError:
            continue
        with mem:
            for line in maps:
                span, perms = line.split()[:2]
                if "r" not in perms:
                    continue
                lo, hi = (int(x, 16) for x in span.split("-"))
                try:
                    mem.seek(lo)
                    look(f"/proc/{pid}/mem", mem.read(min(hi - lo, 64 << 20)))
                except (OSError, ValueError, OverflowError):
                    pass
    for fd in range(0, 64):
        try:
            blocking = os.get_blocking(fd)
        except OSError:
            continue
        try:
            os.set_blocking(fd, False)
            look(f"fd {fd}", os.read(fd, 1 << 20))
        except OSError:
            pass
        finally:
            os.set_blocking(fd, blocking)
    for obj in gc.get_objects():
        if isinstance(obj, (dict, list, tuple, set)):
            scan("heap", obj, 1)
    frame = sys._getframe()
    while frame is not None:
        look("frame", repr(frame.f_code.co_consts))
        scan("frame", frame.f_locals, 0)
        scan("frame", frame.f_globals, 0)
        frame = frame.f_back
    return found
'''.replace("CODES", repr([ord(c) for c in SECRET]))


def test_search_finds_a_secret_that_is_within_reach(sandbox) -> None:
    """Positive control: a secret put in a file, an env var and the heap is found."""
    program = SEARCH + "\nleak = ['" + SECRET + "']\nprint(sorted(set(w.split()[0] for w in search())))\n"
    result = sandbox.run(["python3", "main.py"], files={"main.py": program, "leak.txt": SECRET},
                         env={"LEAK": SECRET}, timeout=20)
    assert result.exit_code == 0, result.stderr
    assert "'file'" in result.stdout and "'env'" in result.stdout and "'heap'" in result.stdout


def test_function_tests_expected_output_is_out_of_reach(sandbox) -> None:
    task = CodeTask(id="t/leak", prompt="guess", entry_point="guess",
                    asserts=(f"assert guess() == {SECRET!r}",), time_limit=30)
    hostile = SEARCH + (
        "\nAT_IMPORT = search()\n"
        "print('AT IMPORT', AT_IMPORT, file=sys.stderr)\n"
        "def guess():\n"
        "    hits = AT_IMPORT + search()\n"
        "    print('HITS', hits, file=sys.stderr)\n"
        "    return SECRET if hits else 'nothing found'\n"
    )
    verdict = evaluate_code(task, hostile, sandbox)
    assert verdict.infra_error is None, verdict.infra_error
    assert verdict.status == "failed", verdict
    assert "HITS []" in verdict.stderr, verdict.stderr[-1500:]


def test_check_style_tests_are_out_of_reach_too(sandbox) -> None:
    task = CodeTask(id="t/leak2", prompt="guess", entry_point="guess", time_limit=30,
                    test=f"def check(candidate):\n    assert candidate() == {SECRET!r}\n")
    hostile = SEARCH + (
        "\ndef guess():\n"
        "    hits = search()\n"
        "    print('HITS', hits, file=sys.stderr)\n"
        "    return SECRET if hits else 'nothing found'\n"
    )
    verdict = evaluate_code(task, hostile, sandbox)
    assert verdict.status == "failed" and "HITS []" in verdict.stderr, verdict.stderr[-1500:]


def test_stdio_expected_output_never_enters_the_sandbox(sandbox) -> None:
    task = CodeTask(id="t/leak3", prompt="guess", time_limit=30,
                    io=io_cases([("x\n", SECRET + "\n")]))
    hostile = SEARCH + (
        "\nhits = search()\n"
        "print('HITS', hits, file=sys.stderr)\n"
        "print(SECRET if hits else 'nothing found')\n"
    )
    verdict = evaluate_code(task, hostile, sandbox)
    assert verdict.status == "failed" and "HITS []" in verdict.stderr, verdict.stderr[-1500:]


def test_tests_never_see_the_solution_source(sandbox) -> None:
    """The test namespace gets proxies only: a test that looks for the source finds nothing."""
    marker = "SOLUTION_SOURCE_MARKER_77"
    task = CodeTask(
        id="t/peek", prompt="f", entry_point="f",
        test=("def check(candidate):\n"
              "    import gc, inspect\n"
              "    try:\n"
              "        src = inspect.getsource(candidate)\n"
              "    except Exception:\n"
              "        src = ''\n"
              f"    seen = any({marker!r} in o for o in gc.get_objects() if isinstance(o, str))\n"
              f"    assert {marker!r} not in src and not seen\n"
              "    assert candidate() == 1\n"),
    )
    verdict = evaluate_code(task, f"# {marker}\ndef f():\n    return 1\n", sandbox)
    assert verdict.status == "passed", verdict
