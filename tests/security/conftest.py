"""Fixtures of the hostile-program suite: one sandbox per backend, verdict timings."""

from __future__ import annotations

import json
import os
import time

import pytest

_durations: list[dict] = []


def record(backend: str, name: str, result, limit: float, wall: float) -> None:
    """Keep each verdict's wall time from call to return, start-up and clean-up included
    (reported at the end; speed is not a pass/fail check)."""
    _durations.append({"backend": backend, "test": name, "duration": round(wall, 3),
                       "run_s": round(result.duration, 3), "limit": limit,
                       "timed_out": result.timed_out})


@pytest.fixture(scope="session")
def sandboxes():
    """One sandbox per backend for the whole suite (Docker keeps its warm pool)."""
    from agent_rl.tools.sandbox import BwrapSandbox, DockerSandbox, Limits

    limits = Limits(timeout=2.0, memory_mb=256, max_processes=32, disk_mb=16,
                    max_output_bytes=64 * 1024)
    made: dict = {}

    def get(name: str):
        if name not in made:
            box = BwrapSandbox(limits) if name == "bwrap" else DockerSandbox(limits, warm=2)
            reason = box.available()
            made[name] = (box, reason)
        box, reason = made[name]
        if reason is not None:
            pytest.skip(f"{name} sandbox unavailable here: {reason}")
        return box

    get.record = record  # type: ignore[attr-defined]
    yield get
    for box, _ in made.values():
        box.close()


def pytest_terminal_summary(terminalreporter) -> None:
    if not _durations:
        return
    worst = sorted(_durations, key=lambda d: d["duration"] - d["limit"], reverse=True)[:5]
    terminalreporter.write_line(
        f"sandbox verdicts: {len(_durations)}, slowest against their limit: "
        + ", ".join(f"{d['backend']}/{d['test']} {d['duration']}s (limit {d['limit']}s)"
                    for d in worst)
    )
    out = os.environ.get("AGENT_RL_SECURITY_TIMINGS")
    if out:
        with open(out, "w") as fh:
            json.dump({"when": time.time(), "verdicts": _durations}, fh, indent=1)
