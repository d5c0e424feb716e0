"""Evaluate a policy on an env: mean reward, success rate and pass@k over tasks.

Each task is sampled `n_samples` times (at least k) as one rollout group. Episodes that ended
on an infrastructure failure (verifier crash, env error, backend down, step timeout) are left
out of every score and counted in `failed`; a task keeps the samples that did not fail.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from agent_rl.evals.passk import mean_pass_at_k

from agent_rl.errors import ConfigError
from agent_rl.rollout import (
    Policy,
    RolloutEngine,
    RolloutLimits,
    SamplingParams,
    Trajectory,
    trajectory_stats,
)

logger = logging.getLogger(__name__)


@dataclass
class TaskResult:
    task_id: str | None
    group: str | None
    samples: int
    """Samples that did not fail."""
    correct: int
    failed: int
    mean_reward: float | None


@dataclass
class EvalReport:
    """Everything `report.json` holds; `markdown()` renders the human version."""

    env_id: str
    policy: str
    n_tasks: int
    samples_per_task: int
    k: int
    episodes: int
    failed: int
    mean_reward: float | None
    std_reward: float | None
    success_rate: float | None
    pass_at_k: dict[str, float | None]
    terminations: dict[str, int]
    success_threshold: float
    tasks_short_of_k: int
    """Tasks left out of pass@k because failures left them fewer than k samples."""
    mean_turns: float | None
    mean_policy_tokens: float | None
    elapsed_s: float
    tool_use: float | None = None
    """Share of non-failed episodes in which the policy called a tool."""
    rewards: list[float] = field(default_factory=list)
    tasks: list[TaskResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    """Env-specific results from the env class's `eval_extra(trajectories)` (JSON-ready); a
    `markdown` key adds a section to report.md, a `writer` ("module:function") writes files."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_trajectories(
        cls,
        trajectories: Sequence[Trajectory],
        *,
        env_id: str,
        policy: str,
        k: int,
        samples_per_task: int,
        success_threshold: float = 1.0,
        elapsed_s: float = 0.0,
        config: dict[str, Any] | None = None,
    ) -> EvalReport:
        rewards = [t.reward for t in trajectories if not t.failed]
        groups: dict[str | None, list[Trajectory]] = defaultdict(list)
        for t in trajectories:
            groups[t.group].append(t)
        tasks = []
        for group, members in groups.items():
            per_task = trajectory_stats(members, success_threshold)
            samples = per_task.episodes - per_task.failed
            tasks.append(
                TaskResult(
                    task_id=next((t.task_id for t in members if t.task_id is not None), None),
                    group=group,
                    samples=samples,
                    correct=round((per_task.success_rate or 0.0) * samples),
                    failed=per_task.failed,
                    mean_reward=per_task.mean_reward,
                )
            )
        counts = [(t.samples, t.correct) for t in tasks]
        ks = sorted({1, k})
        stats = trajectory_stats(trajectories, success_threshold, max_errors=20)
        return cls(
            env_id=env_id,
            policy=policy,
            n_tasks=len(tasks),
            samples_per_task=samples_per_task,
            k=k,
            episodes=stats.episodes,
            failed=stats.failed,
            mean_reward=stats.mean_reward,
            std_reward=stats.std_reward,
            success_rate=stats.success_rate,
            pass_at_k={f"pass@{j}": mean_pass_at_k(counts, j) for j in ks},
            terminations=stats.terminations,
            success_threshold=success_threshold,
            tasks_short_of_k=sum(1 for n, _ in counts if n < k),
            mean_turns=stats.mean_turns,
            mean_policy_tokens=stats.mean_policy_tokens,
            elapsed_s=elapsed_s,
            tool_use=stats.tool_use,
            rewards=rewards,
            tasks=tasks,
            errors=stats.errors,
            config=dict(config or {}),
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )


def evaluate(
    env_id: str, policy: Policy | str, n_tasks: int = 32, k: int = 1, **options: Any
) -> EvalReport:
    """The report of `run_eval` (same arguments) without the trajectories."""
    report, _ = run_eval(env_id, policy, n_tasks, k, **options)
    return report


def run_eval(
    env_id: str,
    policy: Policy | str,
    n_tasks: int = 32,
    k: int = 1,
    *,
    n_samples: int | None = None,
    chat_format: Any = None,
    limits: RolloutLimits | None = None,
    sampling: SamplingParams | None = None,
    thinking: bool = False,
    concurrency: int = 32,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    success_threshold: float = 1.0,
    on_result: Callable[[Trajectory], Any] | None = None,
) -> tuple[EvalReport, list[Trajectory]]:
    """Roll out `n_samples` (default k) samples on each of `n_tasks` different tasks.

    Tasks are drawn without replacement from the env's task list (see `distinct_tasks`);
    an env without one gets seeds `seed..seed+n_tasks-1`.

    `policy` is a `Policy` or a spec for `make_policy` ("oracle", "tiny", a path, a URL).
    A sample is correct when its reward reaches `success_threshold`.
    """
    from agent_rl.rollout import make_policy

    if n_tasks < 1:
        raise ConfigError(f"must be >= 1, got {n_tasks}", key="n_tasks")
    if k < 1:
        raise ConfigError(f"must be >= 1, got {k}", key="k")
    samples = n_samples if n_samples is not None else k
    if samples < k:
        raise ConfigError(f"n_samples ({samples}) must be >= k ({k})", key="n_samples")
    if chat_format is None:
        from agent_rl.chat_format import get_chat_format

        chat_format = get_chat_format("deepseek_v31")
    spec = policy if isinstance(policy, str) else type(policy).__name__
    if isinstance(policy, str):
        policy = make_policy(policy, chat_format=chat_format)
    sampling = sampling or SamplingParams(temperature=1.0 if samples > 1 else 0.0)
    limits = limits or RolloutLimits()
    engine = RolloutEngine(
        env_id,
        policy,
        chat_format,
        limits,
        sampling=sampling,
        thinking=thinking,
        concurrency=concurrency,
        env_kwargs=env_kwargs,
    )
    tasks = distinct_tasks(env_id, env_kwargs, n_tasks, seed)
    start = time.perf_counter()
    if tasks is not None:
        trajectories = engine.run(
            tasks=tasks, group_size=samples, base_seed=seed, on_result=on_result
        )
    else:
        trajectories = engine.run(
            n=n_tasks, group_size=samples, base_seed=seed, on_result=on_result
        )
    report = EvalReport.from_trajectories(
        trajectories,
        env_id=env_id,
        policy=spec,
        k=k,
        samples_per_task=samples,
        success_threshold=success_threshold,
        elapsed_s=time.perf_counter() - start,
        config={
            "limits": asdict(limits),
            "sampling": asdict(sampling),
            "thinking": thinking,
            "seed": seed,
            "env_kwargs": dict(env_kwargs or {}),
            "task_selection": "distinct" if tasks is not None else "seeds",
        },
    )
    report.extra = env_eval_extra(env_id, trajectories)
    return report, trajectories


def env_eval_extra(env_id: str, trajectories: Sequence[Trajectory]) -> dict[str, Any]:
    """What the env class's `eval_extra(trajectories)` adds to the report ({} when it has none)."""
    from agent_rl.envs.core.registry import resolve_env_id
    from gymnasium.envs.registration import load_env_creator
    from gymnasium.envs.registration import registry as gym_registry

    entry = gym_registry[resolve_env_id(env_id)].entry_point
    env_cls = load_env_creator(entry) if isinstance(entry, str) else entry
    hook = getattr(env_cls, "eval_extra", None)
    return dict(hook(list(trajectories))) if callable(hook) else {}


def distinct_tasks(
    env_id: str, env_kwargs: dict[str, Any] | None, n_tasks: int, seed: int
) -> list[dict[str, Any]] | None:
    """`n_tasks` different tasks of the env's task list, in an order `seed` shuffles.

    Picking tasks by episode seed draws with replacement, so an eval of 32 tasks from a source
    of 33 would score some tasks twice and others never; pass@k is a mean over *tasks*. None
    when the env does not expose a `tasks` list of `Task` records (then seeds pick tasks).
    """
    from agent_rl import envs

    env = envs.make(env_id, **dict(env_kwargs or {}))
    try:
        pool = getattr(env, "tasks", None)
        if not pool or not all(callable(getattr(t, "to_dict", None)) for t in pool):
            return None
        if n_tasks > len(pool):
            logger.warning(
                "%s has %d tasks; evaluating all of them instead of %d", env_id, len(pool), n_tasks
            )
        order = random.Random(seed).sample(range(len(pool)), min(n_tasks, len(pool)))
        return [pool[i].to_dict() for i in order]
    finally:
        env.close()
