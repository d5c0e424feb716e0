"""The verifier worker process: reads JSON lines `{"gold", "answer"}` on stdin and writes
`[correct, status, detail]` lines on stdout until stdin closes.

Run as a script (`python _verify_worker.py [MEMORY_LIMIT_MB]`) rather than through
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


def main(argv: list[str]) -> int:
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
