"""The rollout's worker pool outlives the event loops that use it."""

from __future__ import annotations

import asyncio
import threading

from agent_rl.aio import shared_executor


def test_the_shared_pool_survives_asyncio_run_and_reuses_its_threads() -> None:
    pool = shared_executor(4)
    assert shared_executor(2) is pool  # room enough: the same pool

    async def batch() -> set[str]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(pool)
        names = await asyncio.gather(*(asyncio.to_thread(lambda: threading.current_thread().name)
                                       for _ in range(8)))
        return set(names)

    first = asyncio.run(batch())  # asyncio.run shuts its loop's default executor down
    second = asyncio.run(batch())
    assert pool.submit(lambda: 1).result() == 1  # still accepting work
    assert second <= {t.name for t in threading.enumerate()}  # threads alive, not restarted
    assert all(name.startswith("agent-rl-worker") for name in first | second)
    assert shared_executor(pool._max_workers + 1) is not pool  # more room: a bigger pool
