"""`ast.parse` that is safe to call from the env worker threads.

CPython 3.11 keeps the AST constructor's recursion state per interpreter, so two threads
parsing at once can fail with "AST constructor recursion depth mismatch" (seen in 64-episode
rollouts and in the HumanEval oracle test). Parsing takes microseconds: every host-side parse
of untrusted or task text goes through `PARSE_LOCK`, so no caller needs a lock of its own.
"""

from __future__ import annotations

import ast
import threading

PARSE_LOCK = threading.Lock()
"""Held around every host-side `ast.parse` (and code that calls it, such as the harness's
case counter)."""


def parse(source: str, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """`ast.parse` under `PARSE_LOCK`; raises what `ast.parse` raises."""
    with PARSE_LOCK:
        return ast.parse(source, filename, mode)
