"""`agent_rl/Math-v0`: math problems scored by math-verify, optionally with a calculator tool.

Single-turn by default: the agent's reply is scored and the episode ends. With
`calculator=True` (or `tools=("calculator",)`) the agent may call `calculator` first; tool
calls are answered with tool messages and the episode goes on until a reply without tool calls
(scored) or `max_turns` (truncated, reward 0).

Reward (a `Score` with one component, `correct`): 1.0 when the final answer (`\\boxed{}`,
`#### N` or a last `Answer:` line, or with `extraction="flexible"` the last number; see
`agent_rl.envs.math.extract`) equals the gold, else 0.0. The judge is math-verify
(`MathScorer`), except for reasoning-gym tasks, which their dataset's own `score_answer`
judges (`ReasoningGymScorer`). When the verifier times out or crashes, or the gold itself
cannot be parsed, the reward is 0.0 *and* `info["infra_error"]` says why, so the rollout layer
can drop the episode instead of learning from it.

Splits: file sources split by a hash of the problem (`split_key`: the prompt); a reasoning-gym generator's held-out
split is generated from another seed, minus any problem also in the training split.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.scoring import Score
from agent_rl.envs.core.source import check_split, disjoint_from, shared_tasks, split_tasks
from agent_rl.envs.core.task import Task
from agent_rl.envs.math.scoring import MathScorer, ReasoningGymScorer
from agent_rl.envs.math.sources import REASONING_GYM_PREFIX, SAMPLE_TASKS, load_tasks
from agent_rl.envs.math.verify import Verifier
from gymnasium.error import ResetNeeded

from agent_rl.errors import ConfigError

SYSTEM_PROMPT = "Solve the problem. Put the final answer in \\boxed{}."
CALCULATOR_PROMPT = (
    "Solve the problem. You may call the calculator tool. Put the final answer in \\boxed{}."
)
PYTHON_PROMPT = (
    "Solve the problem. You may run Python code with the python tool. "
    "Put the final answer in \\boxed{}."
)
KNOWN_TOOLS = ("calculator", "python")
TIR_DESCRIPTION = (
    "Run Python 3 code in an isolated sandbox (no network; math, fractions, itertools and the "
    "standard library are available) and return what it prints. Variables persist between "
    "calls; the value of a final expression is printed. Use it for exact arithmetic, "
    "enumeration and checking your work."
)
HELD_OUT_SEED_OFFSET = 1_000_003
"""A generator's held-out split uses `seed + HELD_OUT_SEED_OFFSET` (then drops overlaps)."""


def math_tasks(
    source: str | Path | None, *, n: int | None, seed: int, split: str
) -> list[Task]:
    """The tasks of `split` from a file or generator source, loaded once per process."""
    check_split(split)
    if isinstance(source, str) and source.startswith(REASONING_GYM_PREFIX):
        train = shared_tasks(("math", source, n, seed), lambda: load_tasks(source, n=n, seed=seed))
        if split != "test":
            return train
        other = seed + HELD_OUT_SEED_OFFSET
        test = shared_tasks(("math", source, n, other), lambda: load_tasks(source, n=n, seed=other))
        return disjoint_from(test, train)
    path = Path(source) if source is not None else SAMPLE_TASKS
    stamp = path.stat().st_mtime_ns if path.exists() else None
    every = shared_tasks(("math", str(path.resolve()), stamp), lambda: load_tasks(path))
    chosen = split_tasks(every, split)
    return chosen[:n] if n is not None else chosen


def wrong_answer(answer: str) -> str:
    """A plausible but wrong answer: the number plus one, else the expression plus one."""
    try:
        value = float(answer.replace(",", ""))
    except ValueError:
        return f"{answer} + 1"
    return str(int(value) + 1) if value.is_integer() else f"{value + 1:g}"


class MathEnv(AgentEnv):
    """Math word problems (GSM8K/MATH layouts, reasoning-gym), verified with math-verify.

    Args:
        source: task file (`.jsonl`/`.json`/`.parquet`) or `reasoning_gym:<name>`; default:
            the sample tasks shipped in `envs/math/data/sample.jsonl`.
        tasks: explicit tasks (Task or dicts), instead of `source`.
        n_tasks: keep the first `n_tasks` (generators: how many to generate).
        seed: generator seed for `reasoning_gym:` sources.
        calculator: give the agent the `calculator` tool (multi-turn).
        python: give the agent a `python` tool (tool-integrated reasoning): code runs in the
            project's sandbox, variables persist within an episode.
        sandbox: sandbox backend of the python tool (`auto`, `bwrap`, `docker`).
        tools: tool names to enable, the alternative spelling of `calculator=True` /
            `python=True`.
        max_turns: turns before truncation (default 1, or 4 with tools).
        system_prompt: replaces the default instruction (None keeps it, "" removes it).
        verifier: a `Verifier` to use (default: the shared process-wide one).
        verify_timeout: per-answer verification timeout in seconds (default: the verifier's).
        split: "all" (default), "train" or "test" (held out); see the module docstring.
        extraction: "strict" (the answer formats) or "flexible" (also the last number).

    Example:
        >>> import envs
        >>> env = envs.make("agent_rl/Math-v0", source="reasoning_gym:basic_arithmetic", n_tasks=50)
        >>> gsm = envs.make("agent_rl/Math-v0", source="gsm8k_test.parquet")  # doctest: +SKIP

        On the command line: `agent-rl envs check agent_rl/Math-v0 --dataset
        reasoning_gym:basic_arithmetic` (`--dataset` sets `source` in `rollout` and `eval` too).
    """

    def __init__(
        self,
        source: str | Path | None = None,
        *,
        tasks: Sequence[Task | dict[str, Any]] | None = None,
        n_tasks: int | None = None,
        seed: int = 0,
        calculator: bool = False,
        python: bool = False,
        sandbox: str = "auto",
        tools: Sequence[str] = (),
        max_turns: int | None = None,
        system_prompt: str | None = None,
        verifier: Verifier | None = None,
        verify_timeout: float | None = None,
        split: str = "all",
        extraction: str = "strict",
    ) -> None:
        if isinstance(tools, str):  # `-k tools=calculator,python` on the command line
            tools = tuple(t.strip() for t in tools.split(",") if t.strip())
        unknown = [t for t in tools if t not in KNOWN_TOOLS]
        if unknown:
            raise ConfigError(
                f"unknown tool(s) {unknown}; available: {list(KNOWN_TOOLS)}", key="tools"
            )
        use_calculator = calculator or "calculator" in tools
        use_python = python or "python" in tools
        built: list[Any] = []
        if use_calculator:
            from agent_rl.envs.math.calculator import calculator_tool

            built.append(calculator_tool())
        if use_python:
            from agent_rl.tools.sandbox import get_sandbox, python_tool

            tool = python_tool(get_sandbox(sandbox), name="python")
            tool.description = TIR_DESCRIPTION
            built.append(tool)
        toolset = None
        if built:
            from agent_rl.tools import ToolSet

            toolset = ToolSet(built)
        if tasks is None:
            tasks = math_tasks(source, n=n_tasks, seed=seed, split=split)
        else:
            tasks = split_tasks([Task.from_dict(t) for t in tasks], split)
            if n_tasks is not None:
                tasks = tasks[:n_tasks]
        if system_prompt is None:
            system_prompt = (
                PYTHON_PROMPT if use_python else CALCULATOR_PROMPT if use_calculator else SYSTEM_PROMPT
            )
        super().__init__(
            tasks,
            toolset=toolset,
            max_turns=max_turns if max_turns is not None else (4 if built else 1),
            system_prompt=system_prompt or None,
        )
        self.split = split
        self.scorer = MathScorer(verifier, extraction=extraction, timeout=verify_timeout)
        self.generator_scorer = ReasoningGymScorer(extraction=extraction)

    def score(self, text: str | None) -> Score:
        """The `Score` of a final reply on the current task (reasoning-gym tasks are judged by
        their dataset's own scorer, the rest by math-verify)."""
        if self.task is None:
            raise ResetNeeded("call reset() before scoring an answer")
        source = str(self.task.metadata.get("source", ""))
        scorer = self.generator_scorer if source.startswith(REASONING_GYM_PREFIX) else self.scorer
        return scorer.score(text, self.task)

    def finish(self, action: Message) -> StepOutcome:
        score = self.score(action.get("content"))
        return StepOutcome(score=score, terminated=True, info=dict(score.details))

    def reference_action(self) -> Message | None:
        if self.task is None:
            return None
        return {"role": "assistant", "content": f"The answer is \\boxed{{{self.task.answer}}}."}

    def wrong_action(self) -> Message:
        answer = self.task.answer if self.task is not None else "0"
        return {"role": "assistant", "content": f"The answer is \\boxed{{{wrong_answer(answer)}}}."}

    def calculator_call(self, expression: str) -> Message:
        """An assistant message that calls the calculator (used by reference agents)."""
        return {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                tool_call("calculator", {"expression": expression}, f"call_{self.turn}")
            ],
        }
