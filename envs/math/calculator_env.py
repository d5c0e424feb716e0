"""`agent_rl/Calculator-v0`: multi-digit arithmetic that a small model should hand to a tool.

The default tool-use env of the training demo. Tasks are generated offline and
deterministically from `seed`: by default (`style="fixed"`) sums of two 3-digit numbers, too
hard to do "in the head" for a tiny model but easy to hand to the tool; `style="mixed"` gives
products and sums of two or three numbers of 2-4 digits. The system prompt tells the agent to
call `calculator`, then answer in `\\boxed{}`.

Reward (at the final answer; tool turns give 0):
    (1 - tool_bonus) * correct + tool_bonus * used_tool
where `correct` is the math-verify verdict on the final answer and `used_tool` is 1 when at
least one calculator call in the episode ran without error. With the default
`tool_bonus=0.1` a correct answer after a good call scores 1.0, a correct answer without the
tool 0.9, a wrong answer after a good call 0.1. `tool_bonus=0` gives the plain 0/1 reward.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from agent_rl.envs.core.env import Message, StepOutcome
from agent_rl.envs.core.scoring import Score
from agent_rl.envs.core.source import check_split, disjoint_from
from agent_rl.envs.core.task import Task
from agent_rl.envs.math.calculator import calculate
from agent_rl.envs.math.env import MathEnv
from agent_rl.envs.math.verify import Verifier

from agent_rl.errors import ConfigError

SYSTEM_PROMPT = "Use the calculator tool to compute the result, then give it as \\boxed{N}."
_FORMS = ("{a} * {b}", "{a} * {b} + {c}", "{a} + {b} + {c}", "{a} * {b} - {c}", "({a} + {b}) * {c}")


STYLES = ("mixed", "fixed")


def generate_arithmetic_tasks(n: int = 5000, seed: int = 0, style: str = "fixed") -> list[Task]:
    """`n` arithmetic tasks, the same for the same `seed`; `metadata["expression"]` is the sum.

    `mixed`: products and sums of 2-4 digit numbers in five forms. `fixed`: `a + b` with a, b
    in 500..999, so every expression and every result has the same width; a tiny model learns
    to copy them by position within a CPU budget (the embedded training demo uses it).
    """
    if style not in STYLES:
        raise ConfigError(f"unknown style {style!r}; allowed: {', '.join(STYLES)}", key="style")
    return list(_generate(n, seed, style))


@functools.lru_cache(maxsize=16)
def _generate(n: int, seed: int, style: str) -> tuple[Task, ...]:
    # Cached: a trainer builds one env per concurrent episode, and 2,000 tasks take ~70 ms.
    rng = random.Random(seed)
    tasks = []
    for index in range(n):
        if style == "fixed":
            expression = f"{rng.randint(500, 999)} + {rng.randint(500, 999)}"
        else:
            form = _FORMS[rng.randrange(len(_FORMS))]
            numbers = {
                "a": rng.randint(100, 9999),
                "b": rng.randint(100, 999),
                "c": rng.randint(10, 9999) if "(" not in form else rng.randint(11, 99),
            }
            expression = form.format(**numbers)
        tasks.append(
            Task(
                id=f"calc-{seed}-{index}",
                prompt=f"What is {expression}?",
                answer=calculate(expression),
                metadata={"expression": expression, "source": "generated", "seed": seed},
            )
        )
    return tuple(tasks)


class CalculatorEnv(MathEnv):
    """Multi-digit arithmetic solved by calling a calculator tool, then answering.

    Args:
        n_tasks: how many tasks to generate.
        seed: generator seed (the episode seed then picks among the tasks).
        style: `fixed` (default: same-width sums) or `mixed` (see `generate_arithmetic_tasks`).
        tool_bonus: reward share for a well-formed calculator call, in [0, 1].
        max_turns: turns before truncation.
        tasks: explicit tasks instead of generated ones.
        verifier: a `Verifier` (default: the shared one).
        split: "train"/"all" (the tasks of `seed`) or "test": as many tasks generated from
            `seed + 1`, minus any problem that is also in the training tasks.
    """

    def __init__(
        self,
        *,
        n_tasks: int = 5000,
        seed: int = 0,
        style: str = "fixed",
        tool_bonus: float = 0.1,
        max_turns: int = 3,
        tasks: list[Task | dict[str, Any]] | None = None,
        system_prompt: str | None = None,
        verifier: Verifier | None = None,
        split: str = "all",
    ) -> None:
        if not 0.0 <= tool_bonus <= 1.0:
            raise ConfigError(f"must be in [0, 1], got {tool_bonus}", key="tool_bonus")
        self.tool_bonus = tool_bonus
        if tasks is None:
            tasks = generate_arithmetic_tasks(n_tasks, seed, style)
            if check_split(split) == "test":
                held_out = generate_arithmetic_tasks(n_tasks, seed + 1, style)
                tasks = disjoint_from(held_out, tasks)
            split = "all"  # generated: the split is the seed's, not a hash of the ids
        super().__init__(
            tasks=tasks,
            split=split,
            calculator=True,
            max_turns=max_turns,
            system_prompt=system_prompt if system_prompt is not None else SYSTEM_PROMPT,
            verifier=verifier,
        )
        self.good_calls = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        self.good_calls = 0
        return super().reset(seed=seed, options=options)

    def on_tool_results(
        self, action: Message, results: list[Any], messages: list[Message]
    ) -> StepOutcome:
        self.good_calls += sum(1 for r in results if r.ok)
        return super().on_tool_results(action, results, messages)

    def finish(self, action: Message) -> StepOutcome:
        answer = self.score(action.get("content"))
        info = {**answer.details, "used_tool": bool(self.good_calls)}
        if not answer.ok:
            return StepOutcome(score=answer, terminated=True, info=info)
        used_tool = 1.0 if self.good_calls else 0.0
        score = Score.combine(
            {"correct": answer.reward, "used_tool": used_tool},
            weights={"correct": 1.0 - self.tool_bonus, "used_tool": self.tool_bonus},
            **answer.details,
        )
        return StepOutcome(score=score, terminated=True, info=info)

    def reference_action(self) -> Message | None:
        """First the calculator call, then (after its result) the boxed answer."""
        if self.task is None:
            return None
        if self.good_calls == 0 and self.turn < self.max_turns - 1:
            expression = self.task.metadata.get("expression") or self.task.answer
            return self.calculator_call(str(expression))
        last = self.history[-1] if self.history else {}
        value = last.get("content") if last.get("role") == "tool" else self.task.answer
        return {"role": "assistant", "content": f"The result is \\boxed{{{value}}}."}
