"""Run a coroutine from synchronous code, whether or not the calling thread has a loop.

Sync APIs (`ToolSet.call`, an env's `step`) are called both from plain scripts and from worker
threads of an async rollout; `asyncio.run` fails in a thread whose loop is running, so the
coroutine then runs on a fresh loop in a short-lived daemon thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """The coroutine's result (its exception re-raised in the caller's thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised below, in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
