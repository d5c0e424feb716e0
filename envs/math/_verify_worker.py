"""The verifier worker process: reads JSON lines `{"gold", "answer"}` on stdin and writes
`[correct, status, detail]` lines on stdout until stdin closes.

Run as a script (`python _verify_worker.py [MEMORY_LIMIT_MB [PARENT_PID]]`) rather than through
multiprocessing, so it never re-imports the parent's `__main__` and starts from any script.
It imports only the standard library and math-verify. math-verify's own SIGALRM timeouts are
off: the parent kills this process when it takes too long.
"""

from __future__ import annotations

import json
import logging
import sys


def as_math(text: str) -> str:
    """Wrap a bare answer in `\\boxed{}` so math-verify reads it as LaTeX (`x^2+1`, `\\frac12`)."""
    text = text.strip()
    if "\\boxed" in text or "$" in text.replace("\\$", "") or "\\(" in text or "\\[" in text:
        return text
    return f"\\boxed{{{text}}}"


def check(gold: str, answer: str) -> tuple[bool, str, str]:
    """(correct, status, detail) of one comparison, in the current process, with no timeout."""
    from math_verify import parse, verify

    parsed_gold = parse(as_math(gold), parsing_timeout=None)  # type: ignore[arg-type]
    if not parsed_gold:
        return False, "bad_gold", f"gold {gold[:200]!r} has no parseable expression"
    parsed_answer = parse(as_math(answer), parsing_timeout=None)  # type: ignore[arg-type]
    if not parsed_answer:
        return False, "unparseable", f"answer {answer[:200]!r} has no parseable expression"
    return bool(verify(parsed_gold, parsed_answer, timeout_seconds=None)), "ok", ""


def die_with_parent(parent: int) -> None:
    """SIGKILL this worker when its parent dies (even by SIGKILL), however busy it is.

    PR_SET_PDEATHSIG where Linux offers it (the parent forks workers from a thread that lives
    as long as it does); elsewhere a watchdog thread that polls the parent pid.
    """
    import os

    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    except (OSError, AttributeError, ImportError):
        import threading
        import time

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="parent-watchdog").start()
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        die_with_parent(int(argv[2]))
    if len(argv) > 1 and int(argv[1]) > 0:
        import resource

        limit = int(argv[1]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    logging.disable(logging.CRITICAL)  # math-verify logs every failed parse
    check("1", "1")  # import sympy and warm caches before announcing readiness
    out = sys.stdout
    out.write('"ready"\n')
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            result = list(check(request["gold"], request["answer"]))
        except Exception as exc:  # report, stay alive: the parent maps it to "crash"
            result = [False, "crash", f"{type(exc).__name__}: {exc}"[:500]]
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
