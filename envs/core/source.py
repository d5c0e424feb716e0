"""Task sources: loaded once per process, shared by every env of an episode batch, split.

The rollout engine builds one env per episode, so a source that re-reads its file (or
regenerates its tasks) in each env costs a full load per episode. `shared_tasks(key, loader)`
loads a source once per process under a key that says what produced it (file, size, seed,
split) and hands every env the same frozen tasks.

Splits. Every env takes `split`: `"train"`, `"test"` (held out) or `"all"`. File and fixed
sources split by a hash of what the task *asks* (`split_key`: its prompt), so a task's split
never depends on the order or size of the file, and two tasks that pose the same problem
under different ids (generated duplicates, two bugs behind one failing test, sessions that
open with the same question) always land on the same side. Generators produce the held-out
split from another seed and drop anything that also appears in the train split
(`disjoint_from`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Literal, TypeVar

from agent_rl.envs.core.task import Task

from agent_rl.errors import ConfigError, DataError

Split = Literal["train", "test", "all"]
SPLITS: tuple[str, ...] = ("train", "test", "all")
DEFAULT_TEST_FRACTION = 0.2

T = TypeVar("T")

_cache: dict[Hashable, list] = {}
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def check_split(split: str) -> Split:
    """`split` itself, or a ConfigError naming the choices."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; choose one of {list(SPLITS)}", key="split")
    return split  # type: ignore[return-value]


def shared_tasks(key: Hashable, loader: Callable[[], Sequence[T]]) -> list[T]:
    """The tasks `loader()` returns, loaded once per process for `key`, then shared.

    Tasks are frozen, so sharing is safe; callers get a new list (the same task objects).
    Concurrent first calls for one key load once (a per-key lock), other keys do not wait.
    """
    with _guard:
        if key in _cache:
            return list(_cache[key])
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _cache:
            loaded = list(loader())
            with _guard:
                _cache[key] = loaded
        return list(_cache[key])


def clear_shared_tasks() -> None:
    """Forget every shared source (tests; a long-lived process whose files changed)."""
    with _guard:
        _cache.clear()
        _locks.clear()


def split_key(task: Task) -> str:
    """What decides a task's split: the problem it poses (its prompt), not its id."""
    return task.prompt


def in_test_split(key: str, test_fraction: float = DEFAULT_TEST_FRACTION) -> bool:
    """Whether `key` (a `split_key`) is held out: a stable hash, independent of file order."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < test_fraction


def split_tasks(
    tasks: Iterable[Task], split: str, test_fraction: float = DEFAULT_TEST_FRACTION
) -> list[Task]:
    """The tasks of `split` ("train", "test" or "all") by `in_test_split` of their `split_key`.

    A source of two or more distinct problems whose hash put none into the test split holds
    out the one with the smallest hash, so "test" is never empty where a held-out task can
    exist.
    """
    check_split(split)
    tasks = list(tasks)
    if split == "all":
        return tasks
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}")
    keys = {split_key(t) for t in tasks}
    held_out = {k for k in keys if in_test_split(k, test_fraction)}
    if not held_out and len(keys) >= 2:
        held_out = {min(keys, key=lambda k: hashlib.sha256(k.encode()).digest())}
    chosen = [t for t in tasks if (split_key(t) in held_out) == (split == "test")]
    if not chosen:
        raise DataError(f"the {split!r} split of this source is empty ({len(tasks)} tasks)")
    return chosen


def disjoint_from(tasks: Iterable[Task], others: Iterable[Task]) -> list[Task]:
    """`tasks` without any whose prompt also appears in `others` (held-out generators)."""
    seen = {t.prompt for t in others}
    return [t for t in tasks if t.prompt not in seen]
