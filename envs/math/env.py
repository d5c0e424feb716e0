"""`agent_rl/Math-v0`: math problems scored by math-verify, optionally with a calculator tool.

Single-turn by default: the agent's reply is scored and the episode ends. With
`calculator=True` (or `tools=("calculator",)`) the agent may call `calculator` first; tool
calls are answered with tool messages and the episode goes on until a reply without tool calls
(scored) or `max_turns` (truncated, reward 0).

Reward: 1.0 when the final answer (`\\boxed{}`, `#### N` or a last `Answer:` line; see
`agent_rl.envs.math.extract`) equals the gold according to math-verify, else 0.0. When the verifier
times out or crashes, or the gold itself cannot be parsed, the reward is 0.0 *and*
`info["infra_error"]` says why, so the rollout layer can drop the episode instead of learning
from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome, tool_call
from agent_rl.envs.core.task import Task
from agent_rl.envs.math.extract import extract_answer
from agent_rl.envs.math.sources import load_tasks
from agent_rl.envs.math.verify import Verdict, Verifier, get_verifier
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

    Example:
        >>> import envs
        >>> env = envs.make("agent_rl/Math-v0", source="reasoning_gym:basic_arithmetic", n_tasks=50)
        >>> gsm = envs.make("agent_rl/Math-v0", source="gsm8k_test.parquet")  # doctest: +SKIP

        On the command line: `agent-rl envs check agent_rl/Math-v0 --dataset
        reasoning_gym:basic_arithmetic` (`--dataset` sets `source` in `rollout` and `eval` too).
    """

    description = (
        "Math word problems (GSM8K/MATH layouts, reasoning-gym), verified with math-verify"
    )

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
        self._python_tool = None
        if use_python:
            from agent_rl.tools.sandbox import get_sandbox, python_tool

            self._python_tool = python_tool(get_sandbox(sandbox), name="python")
            built.append(self._python_tool)
        toolset = None
        if built:
            from agent_rl.tools import ToolSet

            toolset = ToolSet(built)
        if tasks is None:
            tasks = load_tasks(source, n=n_tasks, seed=seed)
        elif n_tasks is not None:
            tasks = list(tasks)[:n_tasks]
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
        self._verifier = verifier
        self.verify_timeout = verify_timeout

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        """Start an episode; the python tool's interpreter starts empty in every episode."""
        if self._python_tool is not None and self._python_tool.fn.session is not None:
            self._python_tool.fn.session.reset()
        return super().reset(seed=seed, options=options)

    def close(self) -> None:
        if self._python_tool is not None and self._python_tool.fn.session is not None:
            self._python_tool.fn.session.close()
        super().close()

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            self._verifier = get_verifier()
        return self._verifier

    def score(self, text: str | None) -> tuple[float, dict[str, Any]]:
        """(reward, info) for a final reply: extract the answer, verify it against the gold."""
        if self.task is None:
            raise ResetNeeded("call reset() before scoring an answer")
        extracted = extract_answer(text)
        if extracted is None:
            verdict = Verdict(False, "unparseable", "no final answer found (write it in \\boxed{})")
        else:
            verdict = self.verifier.verify(self.task.answer, extracted, timeout=self.verify_timeout)
        info: dict[str, Any] = {"extracted": extracted, "verdict": verdict.to_dict()}
        if verdict.infra_error:
            info["infra_error"] = verdict.infra_error
        elif verdict.status == "unparseable" and verdict.detail.startswith("gold"):
            info["infra_error"] = f"task {self.task.id}: {verdict.detail}"
        return (1.0 if verdict.correct else 0.0), info

    def finish(self, action: Message) -> StepOutcome:
        reward, info = self.score(action.get("content"))
        return StepOutcome(reward=reward, terminated=True, info=info)

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
