"""Code tasks: what a problem is, how its tests are given, and the file layouts that hold them.

A `CodeTask` has either **function tests** (HumanEval/MBPP style: the solution defines
`entry_point`; the tests are a module with `check(candidate)` or a list of `assert` lines that
call the solution by name) or **stdin/stdout cases** (CodeContests/LiveCodeBench style: the
program reads each case's input and must print its output).

Inside an env a code task travels as the generic `agent_rl.envs.Task`: its typed `target` is a
`CodeTests` (the test spec the reward checks against) and `metadata` holds the reference
solution and the starter code. `CodeTask.to_task()` / `CodeTask.from_task()` convert.

Rows accepted by `row_to_code_task` (one JSON object per line in `.jsonl` files):

- this project's layout: `id`, `prompt`, then either `entry_point` with `test` or `asserts`
  (plus optional `setup`, `prefix`) or `io: [{"input", "output"}, ...]` (plus optional
  `compare`); optional `starter_code`, `solution`, `time_limit`, `memory_mb`, `metadata`;
- HumanEval: `task_id`, `prompt`, `canonical_solution`, `test`, `entry_point`;
- MBPP: `task_id`, `text`, `code`, `test_list`, optional `test_setup_code`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent_rl.envs.core.task import Target, Task

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl

COMPARE_MODES = ("tokens", "lines", "exact")
OWN_KEYS = frozenset({
    "id", "prompt", "entry_point", "test", "asserts", "setup", "prefix", "io", "compare",
    "starter_code", "solution", "time_limit", "memory_mb", "metadata",
})


@dataclass(frozen=True)
class IOCase:
    """One stdin/stdout case: the program gets `input` and must print `output`."""

    input: str
    output: str


@dataclass(frozen=True)
class CodeTests(Target):
    """A code task's tests as a typed task target (`CodeTask.test_spec()` as fields)."""

    kind = "code_tests"
    mode: str = "function"
    """"function" (tests call `entry_point`) or "stdio" (input/output cases)."""
    entry_point: str | None = None
    test: str | None = None
    asserts: tuple[str, ...] = ()
    setup: str = ""
    prefix: str = ""
    io: tuple[Mapping[str, str], ...] = ()
    compare: str = "tokens"
    time_limit: float | None = None
    memory_mb: int | None = None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> CodeTests:
        return cls(
            mode=spec["kind"],
            entry_point=spec.get("entry_point"),
            test=spec.get("test"),
            asserts=tuple(spec.get("asserts") or ()),
            setup=spec.get("setup") or "",
            prefix=spec.get("prefix") or "",
            io=tuple(dict(c) for c in spec.get("io") or ()),
            compare=spec.get("compare", "tokens"),
            time_limit=spec.get("time_limit"),
            memory_mb=spec.get("memory_mb"),
        )

    def to_spec(self) -> dict[str, Any]:
        """The harness's grading spec (the shape `CodeTask.test_spec` returns)."""
        spec: dict[str, Any] = {"kind": self.mode}
        if self.io:
            spec["io"] = [dict(c) for c in self.io]
            spec["compare"] = self.compare
        else:
            spec.update(entry_point=self.entry_point, setup=self.setup, prefix=self.prefix)
            if self.test:
                spec["test"] = self.test
            else:
                spec["asserts"] = list(self.asserts)
        if self.time_limit is not None:
            spec["time_limit"] = self.time_limit
        if self.memory_mb is not None:
            spec["memory_mb"] = self.memory_mb
        return spec


@dataclass(frozen=True)
class CodeTask:
    """One programming problem with its tests.

    Example:
        >>> t = CodeTask(id="add", prompt="Add.", entry_point="add",
        ...              asserts=("assert add(1, 2) == 3",))
        >>> t.kind
        'function'
    """

    id: str
    """Stable identifier."""
    prompt: str
    """The problem statement shown to the model."""
    entry_point: str | None = None
    """Function tests: the name under test (`f`, or `Class.method` for LeetCode-style)."""
    test: str | None = None
    """Function tests: a module defining `check(candidate)` (HumanEval layout)."""
    asserts: tuple[str, ...] = ()
    """Function tests: assert statements calling the solution by name (MBPP layout)."""
    setup: str = ""
    """Function tests: trusted code run in the tests' namespace first (helpers, imports)."""
    prefix: str = ""
    """Code put before the model's code in the solution module (HumanEval: the prompt, so
    that its imports and helpers exist and a bare completion works as in HumanEval)."""
    io: tuple[IOCase, ...] = ()
    """Stdin/stdout cases."""
    compare: str = "tokens"
    """How stdout is compared: `tokens` (whitespace-split, floats within 1e-6), `lines`
    (trailing whitespace ignored) or `exact`."""
    starter_code: str | None = None
    """Code shown to the model to start from (a signature, a class skeleton)."""
    solution: str | None = None
    """A reference solution (used by `reference_action`, never by the reward)."""
    time_limit: float | None = None
    """Seconds for the whole function-test run, or per stdin/stdout case (None: env default)."""
    memory_mb: int | None = None
    """Memory cap per process (None: env default)."""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> Literal["function", "stdio"]:
        return "stdio" if self.io else "function"

    def check(self, *, path: str | None = None, line: int | None = None) -> CodeTask:
        """Raise DataError (naming file/line/key) when the task cannot be graded."""
        where = {"path": path, "line": line}
        if not self.id.strip() or not self.prompt.strip():
            raise DataError("a code task needs a non-empty id and prompt", key="id", **where)
        if self.io:
            if self.entry_point or self.test or self.asserts:
                raise DataError(f"task {self.id}: give io cases or function tests, not both",
                                key="io", **where)
            if self.compare not in COMPARE_MODES:
                raise DataError(f"task {self.id}: compare must be one of {COMPARE_MODES}",
                                key="compare", **where)
            return self
        if not self.entry_point:
            raise DataError(f"task {self.id}: function tests need an entry_point",
                            key="entry_point", **where)
        if bool(self.test) == bool(self.asserts):
            raise DataError(f"task {self.id}: give exactly one of test (check(candidate)) "
                            "or asserts", key="test", **where)
        from agent_rl.envs.code.harness import count_cases

        try:
            count_cases(self.test_spec())
            for source in self.asserts:
                compile(source, f"<task {self.id} assert>", "exec")
            if self.setup:
                compile(self.setup, f"<task {self.id} setup>", "exec")
        except (SyntaxError, ValueError) as exc:
            raise DataError(f"task {self.id}: bad test code: {exc}", key="test", **where) from None
        return self

    def test_spec(self) -> dict[str, Any]:
        """The JSON-ready grading spec (what the task's `CodeTests` target carries)."""
        spec: dict[str, Any] = {"kind": self.kind}
        if self.io:
            spec["io"] = [{"input": c.input, "output": c.output} for c in self.io]
            spec["compare"] = self.compare
        else:
            spec.update(entry_point=self.entry_point, setup=self.setup, prefix=self.prefix)
            if self.test:
                spec["test"] = self.test
            else:
                spec["asserts"] = list(self.asserts)
        if self.time_limit is not None:
            spec["time_limit"] = self.time_limit
        if self.memory_mb is not None:
            spec["memory_mb"] = self.memory_mb
        return spec

    def to_task(self) -> Task:
        """The generic `agent_rl.envs.Task` form (the tests as its `CodeTests` target)."""
        metadata = dict(copy.deepcopy(dict(self.metadata)))
        metadata.update(solution=self.solution, starter_code=self.starter_code, kind=self.kind)
        if self.entry_point:
            metadata["entry_point"] = self.entry_point
        return Task(id=self.id, prompt=self.prompt,
                    target=CodeTests.from_spec(self.test_spec()), metadata=metadata)

    @classmethod
    def from_task(cls, task: Task) -> CodeTask:
        """Rebuild a CodeTask from `to_task()` output."""
        if not isinstance(task.target, CodeTests):
            raise DataError(f"task {task.id}: its target is not a code test spec "
                            f"(got {type(task.target).__name__})", key="target")
        spec = task.target.to_spec()
        if spec.get("kind") not in ("function", "stdio"):
            raise DataError(f"task {task.id}: unknown test mode {spec.get('kind')!r}",
                            key="target.mode")
        meta = dict(task.metadata)
        extra = {k: v for k, v in meta.items()
                 if k not in ("solution", "starter_code", "kind", "entry_point")}
        return cls(
            id=task.id,
            prompt=task.prompt,
            entry_point=spec.get("entry_point"),
            test=spec.get("test"),
            asserts=tuple(spec.get("asserts") or ()),
            setup=spec.get("setup") or "",
            prefix=spec.get("prefix") or "",
            io=tuple(IOCase(str(c["input"]), str(c["output"])) for c in spec.get("io") or ()),
            compare=spec.get("compare", "tokens"),
            starter_code=meta.get("starter_code"),
            solution=meta.get("solution"),
            time_limit=spec.get("time_limit"),
            memory_mb=spec.get("memory_mb"),
            metadata=extra,
        )


# --------------------------------------------------------------------------- rows
def _str(row: Mapping[str, Any], key: str, where: dict[str, Any], *, required: bool = False,
         ) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            raise DataError(f"missing required key {key!r}", key=key, **where)
        return None
    if not isinstance(value, str):
        raise DataError(f"expected a string, got {type(value).__name__}", key=key, **where)
    return value


def _first_def(code: str) -> str | None:
    match = re.search(r"^def\s+(\w+)\s*\(", code, re.M)
    return match.group(1) if match else None


def humaneval_task(row: Mapping[str, Any], *, path: str | None = None,
                   line: int | None = None) -> CodeTask:
    """A HumanEval row: the prompt is the code to complete, the tests a `check(candidate)`."""
    where = {"path": path, "line": line}
    prompt = _str(row, "prompt", where, required=True) or ""
    canonical = _str(row, "canonical_solution", where) or None
    entry = _str(row, "entry_point", where, required=True)
    return CodeTask(
        id=str(row["task_id"]),
        prompt=f"Complete the Python function `{entry}` below.",
        entry_point=entry,
        test=_str(row, "test", where, required=True),
        prefix=prompt,
        starter_code=prompt,
        solution=prompt + canonical if canonical is not None else None,
        metadata={"source": "humaneval"},
    ).check(**where)


def mbpp_task(row: Mapping[str, Any], *, path: str | None = None,
              line: int | None = None) -> CodeTask:
    """An MBPP row; the first assert is shown as the usage example (as MBPP prompts do)."""
    where = {"path": path, "line": line}
    tests = row.get("test_list")
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
        raise DataError("test_list must be a non-empty list of strings", key="test_list", **where)
    code = _str(row, "code", where)
    entry = _first_def(code or "") or (re.search(r"assert\s+(\w+)\s*\(", tests[0]) or [None, None])[1]
    text = _str(row, "text", where, required=True) or ""
    return CodeTask(
        id=f"mbpp/{row.get('task_id')}",
        prompt=f"{text}\nYour code should pass tests like this one:\n{tests[0]}",
        entry_point=entry,
        asserts=tuple(tests),
        setup=_str(row, "test_setup_code", where) or "",
        solution=code,
        metadata={"source": "mbpp"},
    ).check(**where)


def row_to_code_task(row: Mapping[str, Any], *, path: str | None = None,
                     line: int | None = None) -> CodeTask:
    """A CodeTask from any of the accepted row layouts (see the module docstring)."""
    where = {"path": path, "line": line}
    if not isinstance(row, Mapping):
        raise DataError(f"a task row must be an object, got {type(row).__name__}", **where)
    if "canonical_solution" in row and "task_id" in row:
        return humaneval_task(row, **where)
    if "test_list" in row and "text" in row:
        return mbpp_task(row, **where)
    unknown = sorted(set(row) - OWN_KEYS)
    if unknown:
        raise DataError(f"unknown key(s) {unknown}; a code task has {sorted(OWN_KEYS)}",
                        key=unknown[0], **where)
    io_rows = row.get("io") or []
    if not isinstance(io_rows, list):
        raise DataError("io must be a list of {input, output}", key="io", **where)
    cases = []
    for i, case in enumerate(io_rows):
        if not isinstance(case, Mapping) or not isinstance(case.get("input"), str) or \
                not isinstance(case.get("output"), str):
            raise DataError(f"io[{i}] must be {{'input': str, 'output': str}}", key="io", **where)
        cases.append(IOCase(case["input"], case["output"]))
    asserts = row.get("asserts") or ()
    if not isinstance(asserts, (list, tuple)) or not all(isinstance(a, str) for a in asserts):
        raise DataError("asserts must be a list of strings", key="asserts", **where)
    metadata = row.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise DataError("metadata must be an object", key="metadata", **where)
    for key in ("time_limit", "memory_mb"):
        value = row.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or value <= 0):
            raise DataError(f"{key} must be a positive number", key=key, **where)
    return CodeTask(
        id=str(_str(row, "id", where, required=True)),
        prompt=_str(row, "prompt", where, required=True) or "",
        entry_point=_str(row, "entry_point", where),
        test=_str(row, "test", where),
        asserts=tuple(asserts),
        setup=_str(row, "setup", where) or "",
        prefix=_str(row, "prefix", where) or "",
        io=tuple(cases),
        compare=_str(row, "compare", where) or "tokens",
        starter_code=_str(row, "starter_code", where),
        solution=_str(row, "solution", where),
        time_limit=row.get("time_limit"),
        memory_mb=row.get("memory_mb"),
        metadata=dict(metadata),
    ).check(**where)


def read_code_tasks(path: str | Path) -> list[CodeTask]:
    """Read a `.jsonl` (or `.jsonl.gz`) file of task rows; errors name the file and line."""
    tasks = [
        row_to_code_task(row, path=str(path), line=number)
        for number, row in iter_jsonl(path, objects=False)
    ]
    if not tasks:
        raise DataError("the file holds no tasks", path=str(path))
    return tasks


def as_code_tasks(items: Iterable[CodeTask | Task | Mapping[str, Any]]) -> list[CodeTask]:
    """Normalise CodeTasks, envs.Tasks (from `to_task`) and rows into CodeTasks."""
    out: list[CodeTask] = []
    for item in items:
        if isinstance(item, CodeTask):
            out.append(item.check())
        elif isinstance(item, Task):
            out.append(CodeTask.from_task(item))
        elif isinstance(item, Mapping) and set(item) <= {"id", "prompt", "answer", "metadata"} \
                and "answer" in item:
            out.append(CodeTask.from_task(Task.from_dict(item)))
        else:
            out.append(row_to_code_task(item))
    return out


def io_cases(pairs: Sequence[tuple[str, str]]) -> tuple[IOCase, ...]:
    """`[(input, output), ...]` as IOCases (a convenience for building tasks in code)."""
    return tuple(IOCase(i, o) for i, o in pairs)
