"""The async rollout engine: many multi-turn episodes at once against one policy.

The per-episode loop (generate -> parse -> step -> append observation ids, token in, token
out) lives in `agent_rl.rollout.episode.Episode`, shared with verl's agent loop; the engine
schedules episodes, groups samples and reports failures. Failures stay inside their episode
(a termination from `TERMINATIONS` and the error text) and the batch goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from agent_rl.aio import shared_executor
from agent_rl.errors import AgentRLError, ConfigError
from agent_rl.rollout.backends.base import Policy, SamplingParams
from agent_rl.rollout.episode import EnvFactory, Episode, RolloutLimits, _maybe_await
from agent_rl.rollout.trajectory import Trajectory

logger = logging.getLogger(__name__)

__all__ = ["EnvFactory", "Episode", "RolloutEngine", "RolloutLimits", "env_factory"]


def env_factory(
    spec: str, kwargs: dict[str, Any] | None = None, *, probe: bool = False
) -> EnvFactory:
    """A zero-argument factory of fresh envs for `spec` (an id, `module:EnvId` or
    `file.py:EnvId`), resolved now so an unknown id fails before any episode runs.

    With `probe`, one env is built and closed up front, so bad constructor arguments fail
    here too (one clear error, not one per episode).
    """
    from agent_rl.envs.core.registry import make, resolve_env_id

    env_id = resolve_env_id(spec)
    kw = dict(kwargs or {})
    if probe:
        try:
            make(env_id, **kw).close()
        except AgentRLError:
            raise
        except Exception as exc:  # a bad option or a broken env: one line, not a traceback
            raise ConfigError(
                f"cannot build {env_id} with {kw}: {type(exc).__name__}: {exc}", key="env"
            ) from exc

    def factory() -> Any:
        return make(env_id, **kw)

    factory.env_id = env_id  # type: ignore[attr-defined]
    return factory


class RolloutEngine:
    """Run episodes of one env against one policy, many at a time.

    Args:
        env: a registered env id (built with `agent_rl.envs.make(id, **env_kwargs)` per episode) or a
            zero-argument factory returning a fresh env.
        policy: any `Policy`.
        chat_format: the `ChatFormat` that encodes prompts and observations and parses replies.
        limits: turn, token and timeout limits.
        sampling: temperature/top-p (and base seed); `max_tokens` and stop ids are set per turn.
        thinking: encode prompts in thinking mode.
        concurrency: most episodes in flight at once.
        validate: re-encode the conversation every turn and record prefix violations in
            `info["prefix_violations"]` (costs one full encode per turn).
    """

    def __init__(
        self,
        env: str | EnvFactory,
        policy: Policy,
        chat_format: Any,
        limits: RolloutLimits | None = None,
        *,
        sampling: SamplingParams | None = None,
        thinking: bool = False,
        concurrency: int = 32,
        validate: bool = False,
        env_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ConfigError(f"must be >= 1, got {concurrency}", key="concurrency")
        self.env_id = (
            env
            if isinstance(env, str)
            else getattr(env, "env_id", None) or getattr(env, "__name__", type(env).__name__)
        )
        self._factory: EnvFactory = self._make_factory(env, dict(env_kwargs or {}))
        self.policy = policy
        self.chat_format = chat_format
        self.limits = limits or RolloutLimits()
        self.sampling = sampling or SamplingParams()
        self.thinking = thinking
        self.concurrency = concurrency
        self.validate = validate
        self.stop_token_ids = tuple(
            self.sampling.stop_token_ids or getattr(chat_format, "stop_token_ids", ()) or ()
        )

    @staticmethod
    def _make_factory(env: str | EnvFactory, env_kwargs: dict[str, Any]) -> EnvFactory:
        if isinstance(env, str):
            return env_factory(env, env_kwargs)
        if not callable(env):
            raise ConfigError(f"expected an env id or a factory, got {env!r}", key="env")
        if env_kwargs:
            return lambda: env(**env_kwargs)  # type: ignore[call-arg]
        return env

    # -- batches --------------------------------------------------------------------------
    def run(
        self,
        n: int | None = None,
        seeds: Sequence[int] | None = None,
        **kwargs: Any,
    ) -> list[Trajectory]:
        """Blocking `arun` on a fresh event loop whose thread pool fits `concurrency`.

        Sync envs step in worker threads; asyncio's default pool (a handful of threads on a
        small machine) would otherwise cap how many episodes really run at once.
        """

        async def main() -> list[Trajectory]:
            loop = asyncio.get_running_loop()
            loop.set_default_executor(shared_executor(self.concurrency + 4))
            return await self.arun(n, seeds, **kwargs)

        return asyncio.run(main())

    async def arun(
        self,
        n: int | None = None,
        seeds: Sequence[int] | None = None,
        *,
        tasks: Sequence[dict[str, Any]] | None = None,
        group_size: int = 1,
        base_seed: int = 0,
        on_result: Callable[[Trajectory], Any] | None = None,
    ) -> list[Trajectory]:
        """Run `group_size` samples of each task and return trajectories in input order.

        Tasks come from `seeds` (the env picks a task per seed), from `n` (seeds
        `base_seed .. base_seed+n-1`) or from explicit `tasks` (run with
        `options={"task": ...}`). Samples of one task share env seed and `group`.
        `on_result` is called as each episode finishes (progress bars, streaming writes).
        """
        if group_size < 1:
            raise ConfigError(f"must be >= 1, got {group_size}", key="group_size")
        if tasks is not None:
            jobs = [(base_seed + i, {"task": dict(t)}) for i, t in enumerate(tasks)]
        elif seeds is not None:
            jobs = [(int(s), None) for s in seeds]
        elif n is not None:
            jobs = [(base_seed + i, None) for i in range(n)]
        else:
            raise ConfigError("give n, seeds or tasks", key="n")

        sem = asyncio.Semaphore(self.concurrency)

        async def one(i: int, seed: int, options: dict[str, Any] | None, sample: int) -> Trajectory:
            async with sem:
                traj = await self.run_episode(
                    seed, options=options, group=f"{self.env_id}#{i}", sample=sample
                )
            if on_result is not None:
                await _maybe_await(on_result(traj))
            return traj

        coros = [
            one(i, seed, options, s)
            for i, (seed, options) in enumerate(jobs)
            for s in range(group_size)
        ]
        trajectories = list(await asyncio.gather(*coros))
        failed = [t for t in trajectories if t.failed]
        if failed:  # never silent: say how many episodes are excluded, and why
            kinds = Counter(t.termination for t in failed)
            logger.warning(
                "%d of %d episodes of %s failed and are excluded (%s); first error: %s",
                len(failed),
                len(trajectories),
                self.env_id,
                ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
                failed[0].error,
            )
        return trajectories

    # -- one episode ----------------------------------------------------------------------
    def episode(self) -> Episode:
        """The shared per-episode loop with this engine's current settings."""
        return Episode(
            chat_format=self.chat_format,
            limits=self.limits,
            sampling=self.sampling,
            thinking=self.thinking,
            validate=self.validate,
            stop_token_ids=self.stop_token_ids,
            env_id=str(self.env_id),
        )

    async def run_episode(
        self,
        seed: int | None = None,
        *,
        options: dict[str, Any] | None = None,
        group: str | None = None,
        sample: int = 0,
    ) -> Trajectory:
        """Play one episode to its end; never raises for env or backend failures."""
        return await self.episode().run(
            self._factory, self.policy.generate, seed, options=options, group=group, sample=sample
        )
