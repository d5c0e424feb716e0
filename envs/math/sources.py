"""Task sources for math envs: JSONL/parquet files and reasoning-gym generators.

Accepted file layouts (one record per JSONL line or parquet row; the layout is detected per
record, so a file may mix them):

- agent-rl: `{"id", "prompt", "answer", "metadata"?}` (the `Task` schema);
- GSM8K: `{"question", "answer": "...reasoning...\\n#### 42"}`; the gold is the value after
  `####`, the full solution goes to `metadata["solution"]`;
- MATH: `{"problem", "solution": "... \\boxed{...} ..."}` (an explicit `answer` field, as in
  MATH-500, wins over the last `\\boxed{}` of the solution).

`id` (or `unique_id`) is kept when present, else it is `<file stem>-<line>`. Any other
field (`level`, `type`, `subject`, ...) is kept in `metadata`, so nothing is dropped silently. A generator
source is `reasoning_gym:<dataset name>`, built offline with a seed.
Every problem raises `agent_rl.errors.DataError` naming the file, the line and the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from agent_rl.envs.core.task import Task
from agent_rl.envs.math.extract import gsm8k_gold, last_boxed

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl

SAMPLE_TASKS = Path(__file__).with_name("data") / "sample.jsonl"
REASONING_GYM_PREFIX = "reasoning_gym:"
_LAYOUT_KEYS = frozenset({"prompt", "answer", "question", "problem", "solution"})


def load_tasks(
    source: str | Path | None = None, *, n: int | None = None, seed: int = 0
) -> list[Task]:
    """Load tasks from a file or a `reasoning_gym:<name>` generator.

    Args:
        source: a `.jsonl`/`.json`/`.parquet` path, `reasoning_gym:<name>`, or None for the
            sample tasks agent-rl ships.
        n: keep the first `n` tasks (for generators: how many to generate, default 100).
        seed: generator seed (files ignore it).
    """
    if source is None:
        source = SAMPLE_TASKS
    if isinstance(source, str) and source.startswith(REASONING_GYM_PREFIX):
        return reasoning_gym_tasks(source[len(REASONING_GYM_PREFIX) :], n=n or 100, seed=seed)
    path = Path(source)
    if not path.exists():
        raise DataError("task file not found", path=str(path))
    tasks: list[Task] = []
    seen: dict[str, int] = {}  # task id -> line (or parquet row) where it first appeared
    for line, row in read_rows(path):
        task = row_to_task(row, path=str(path), line=line)
        if task.id in seen:
            raise DataError(
                f"duplicate task id {task.id!r} (first at line {seen[task.id]})",
                path=str(path),
                line=line,
                key="id",
            )
        seen[task.id] = line
        tasks.append(task)
    if not tasks:
        raise DataError("no tasks in file", path=str(path))
    return tasks[:n] if n is not None else tasks


def read_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line or row number starting at 1, record) for a JSONL, JSON-array or parquet file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            rows = pq.read_table(path).to_pylist()
        except Exception as exc:
            raise DataError(f"unreadable parquet file: {exc}", path=str(path)) from exc
        yield from enumerate(rows, start=1)
        return
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from exc
        if not isinstance(data, list):
            raise DataError("a .json task file must hold a list of records", path=str(path))
        yield from enumerate(data, start=1)
        return
    if suffix not in (".jsonl", ".ndjson"):
        raise DataError(
            f"unsupported task file type {suffix!r} (use .jsonl, .json or .parquet)", path=str(path)
        )
    yield from iter_jsonl(path, objects=False)


def _text(row: Mapping[str, Any], key: str, path: str | None, line: int | None) -> str:
    value = row.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise DataError(
            f"expected a non-empty string, got {value!r}", path=path, line=line, key=key
        )
    return value


def row_to_task(row: Any, *, path: str | None = None, line: int | None = None) -> Task:
    """One record in any supported layout -> Task (DataError names path:line and key)."""
    if not isinstance(row, Mapping):
        raise DataError(
            f"a record must be an object, got {type(row).__name__}", path=path, line=line
        )
    stem = Path(path).stem if path else "task"
    raw_id = row.get("id", row.get("unique_id"))
    task_id = str(raw_id) if raw_id not in (None, "") else f"{stem}-{line}"
    if not isinstance(row.get("metadata") or {}, Mapping):
        raise DataError("expected a mapping", path=path, line=line, key="metadata")
    metadata: dict[str, Any] = dict(row.get("metadata") or {})
    layout_keys = _LAYOUT_KEYS | {"id", "unique_id", "metadata"}
    metadata.update({k: v for k, v in row.items() if k not in layout_keys and v is not None})
    if "prompt" in row:
        return Task.from_dict(
            {
                "id": task_id,
                "prompt": row["prompt"],
                "answer": row.get("answer"),
                "metadata": metadata,
            },
            path=path,
            line=line,
        )
    if "question" in row:
        solution = _text(row, "answer", path, line)
        gold = gsm8k_gold(solution)
        if gold is None:
            raise DataError(
                "GSM8K layout: the answer has no '#### <value>' line",
                path=path,
                line=line,
                key="answer",
            )
        metadata.setdefault("layout", "gsm8k")
        metadata["solution"] = solution
        return Task(
            id=task_id, prompt=_text(row, "question", path, line), answer=gold, metadata=metadata
        )
    if "problem" in row:
        if row.get("answer") not in (None, ""):
            gold = _text(row, "answer", path, line)
        else:
            solution = _text(row, "solution", path, line)
            gold = last_boxed(solution)
            if not gold:
                raise DataError(
                    "MATH layout: the solution has no \\boxed{...} answer",
                    path=path,
                    line=line,
                    key="solution",
                )
        metadata.setdefault("layout", "math")
        if isinstance(row.get("solution"), str):
            metadata["solution"] = row["solution"]
        return Task(
            id=task_id, prompt=_text(row, "problem", path, line), answer=gold, metadata=metadata
        )
    raise DataError(
        f"unknown record layout with keys {sorted(row)}; expected prompt/answer (agent-rl), "
        "question/answer (GSM8K) or problem/solution (MATH)",
        path=path,
        line=line,
        key="prompt",
    )


def reasoning_gym_tasks(name: str, *, n: int = 100, seed: int = 0) -> list[Task]:
    """Generate `n` tasks offline from a reasoning-gym dataset (deterministic given `seed`)."""
    import reasoning_gym

    try:
        dataset = reasoning_gym.create_dataset(name, size=n, seed=seed)
    except Exception as exc:
        raise DataError(
            f"cannot create reasoning-gym dataset {name!r}: {exc}", key="source"
        ) from exc
    tasks = []
    for index, entry in enumerate(dataset):
        metadata = {"source": f"reasoning_gym:{name}", "seed": seed, "size": n, "index": index}
        expression = (entry.get("metadata") or {}).get("expression")
        if isinstance(expression, str):
            metadata["expression"] = expression
        tasks.append(
            Task(
                id=f"{name}-{seed}-{index}",
                prompt=str(entry["question"]),
                answer=str(entry["answer"]),
                metadata=metadata,
            )
        )
    return tasks
