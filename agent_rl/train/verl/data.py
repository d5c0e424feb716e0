"""verl's RL data from any env's task source: one parquet row per task.

A row has the columns verl's `RLHFDataset` and reward managers read: `data_source` (the env
id), `prompt` (the env's opening messages), `ability` (the env family), `reward_model`
(`{"style": "rule", "ground_truth": answer}`), `extra_info` and `agent_name` (which agent loop
runs the row). `extra_info` carries what the agent loop and `compute_score` need to rebuild
the episode: `env_id`, `split`, `index`, `task_id`, the task as a JSON string (`task`: a JSON
string rather than a nested struct, because tasks of one env differ in shape and parquet wants
one schema per column) and the env's constructor kwargs (`env_kwargs`, JSON).

verl is not imported here (pyarrow writes the file).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_rl.errors import ConfigError

logger = logging.getLogger(__name__)

SPLITS = ("train", "test", "all")


def make_env(env_id: str, split: str = "train", env_kwargs: Mapping[str, Any] | None = None) -> Any:
    """Build `env_id` on `split` (the env's own hashed split, the seam every env takes)."""
    from agent_rl import envs

    if split not in SPLITS:
        raise ConfigError(f"expected one of {', '.join(SPLITS)}, got {split!r}", key="split")
    kwargs = dict(env_kwargs or {})
    try:
        return envs.make(env_id, split=split, **kwargs)
    except TypeError as exc:
        if "split" not in str(exc):
            raise
    # An env from before the split seam: split its tasks here the same way.
    env = envs.make(env_id, **kwargs)
    split_tasks = getattr(envs, "split_tasks", None)
    if split != "all":
        if split_tasks is None:
            raise ConfigError(
                f"{env_id} takes no split= and agent_rl.envs.split_tasks is missing; use --split all",
                key="split",
            )
        env.tasks = list(split_tasks(env.tasks, split))
    return env


def ability_of(env_id: str) -> str:
    """The env family as verl's `ability` column: `agent_rl/Math-v0` -> `math`."""
    name = env_id.rsplit("/", 1)[-1].split(":")[-1]
    name = re.sub(r"-v\d+$", "", name)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("-", "_")


def _answer_text(task: Any) -> str:
    answer = getattr(task, "answer", "")
    if answer:
        return str(answer)
    target = getattr(task, "target", None)
    if target is None:
        return ""
    to_dict = getattr(target, "to_dict", None)
    return json.dumps(to_dict() if to_dict else repr(target), sort_keys=True, default=repr)


def verl_rows(
    env_id: str,
    split: str = "train",
    n: int | None = None,
    *,
    env_kwargs: Mapping[str, Any] | None = None,
    agent_name: str = "agent_rl",
) -> list[dict[str, Any]]:
    """Rows for the first `n` tasks of `env_id`'s `split` (all when `n` is None)."""
    if n is not None and n < 1:
        raise ConfigError(f"must be >= 1, got {n}", key="n")
    kwargs = dict(env_kwargs or {})
    env = make_env(env_id, split, kwargs)
    try:
        tasks = list(env.tasks if n is None else env.tasks[:n])
        if not tasks:
            raise ConfigError(f"{env_id} has no {split} tasks", key="split")
        rows = []
        for index, task in enumerate(tasks):
            messages = _opening(env, task, index)
            rows.append(
                {
                    "data_source": env_id,
                    "prompt": [
                        {"role": str(m["role"]), "content": str(m.get("content") or "")}
                        for m in messages
                    ],
                    "ability": ability_of(env_id),
                    "reward_model": {"style": "rule", "ground_truth": _answer_text(task)},
                    "extra_info": {
                        "index": index,
                        "split": split,
                        "env_id": env_id,
                        "task_id": str(task.id),
                        "task": json.dumps(task.to_dict(), ensure_ascii=False, default=repr),
                        "env_kwargs": json.dumps(kwargs, sort_keys=True),
                    },
                    "agent_name": agent_name,
                }
            )
        return rows
    finally:
        close = getattr(env, "close", None)
        if close is not None:
            close()


def _opening(env: Any, task: Any, index: int) -> list[dict[str, Any]]:
    """The episode's opening messages. `AgentEnv.opening_messages` gives them without the rest
    of `reset` (an SWE workspace, a sandbox): thousands of rows stay cheap to write."""
    opening = getattr(env, "opening_messages", None)
    if opening is not None:
        return list(opening(task))
    messages, _info = env.reset(seed=index, options={"task": task})
    return list(messages)


def write_parquet(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write rows atomically (a temp file renamed into place: never a half-written file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows:
        raise ConfigError("no rows to write", key="n")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(rows), tmp)
    tmp.replace(out)
    return out


def write_verl_data(
    env_id: str,
    out_dir: str | Path,
    *,
    split: str = "train",
    n: int | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    agent_name: str = "agent_rl",
) -> Path:
    """`OUT_DIR/<split>.parquet` for `env_id`; returns its path."""
    rows = verl_rows(env_id, split, n, env_kwargs=env_kwargs, agent_name=agent_name)
    path = write_parquet(rows, Path(out_dir) / f"{split}.parquet")
    logger.info("wrote %d %s rows of %s to %s", len(rows), split, env_id, path)
    return path
