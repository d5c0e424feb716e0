"""`AgentEnv`: a `gymnasium.Env` whose observations are chat messages and whose actions are
assistant messages (the contract of docs/ARCHITECTURE.md section 2).

A subclass supplies its tasks and one scoring hook; the base class does the rest:

- `reset(seed=, options=)` picks a task (`options["task"]`, else the seed picks one from
  `self.tasks` with `self.np_random`), builds the opening messages and the tool specs;
- `step(action)` normalises the action, runs tool calls through `agent_rl.tools.ToolSet` (the one
  shared executor), asks `finish(action)` to score a final answer, and truncates at
  `max_turns`;
- `areset`/`astep` run the sync versions in a worker thread (I/O-bound envs override them);
- `reference_action`/`wrong_action`/`validate` let every env prove its own reward works.

The seams a family plugs into (docs/ARCHITECTURE.md): `finish` returns a `Score` (reward, named
components, infra error) in `StepOutcome(score=...)`, copied to `info["score"]`; tasks carry a
typed `Target`; task sources are shared per process and split (`split="train"|"test"|"all"`,
`held_out_kwargs`); the toolset is reset at each `reset` and closed by `close`, and a tool
result's `infra_error` marks the step, never a silent 0; `train_settings` tells the trainer the
rollout budgets this env needs.

Everything returned is a fresh object and depends only on the seed, the task and the actions,
so `gymnasium.utils.env_checker.check_env` passes (it compares two seeded runs, so timings
never go into `info`).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import gymnasium
from agent_rl.envs.core.scoring import Score
from agent_rl.envs.core.spaces import AssistantMessageSpace, MessagesSpace
from agent_rl.envs.core.task import Task
from gymnasium.error import ResetNeeded

from agent_rl.errors import ConfigError, DataError

if TYPE_CHECKING:
    from agent_rl.tools import ToolSet

Message = dict[str, Any]


def takes_kwarg(creator: Any, name: str) -> bool:
    """Whether an env class or factory names `name` among its parameters (so passing it is
    safe); False when its signature cannot be read."""
    import inspect

    try:
        return name in inspect.signature(creator).parameters
    except (TypeError, ValueError):
        return False


@dataclass
class StepOutcome:
    """What a scoring hook returns; the base class adds truncation and the common info keys."""

    messages: list[Message] = field(default_factory=list)
    """Messages the env adds (tool results, feedback, user turns)."""
    reward: float = 0.0
    """In [0, 1]; ignored when `score` is given (the score's reward counts)."""
    terminated: bool = False
    """True when the episode ended on its own (a final answer was scored)."""
    info: dict[str, Any] = field(default_factory=dict)
    """Extra info; set `infra_error` (a string) when infrastructure, not the agent, failed."""
    score: Score | None = None
    """The scorer's verdict, with its components: the base env copies it to `info["score"]`
    (and its `infra_error` to `info["infra_error"]`) so reports can say why."""


@dataclass
class ValidationReport:
    """Result of `AgentEnv.validate`: per task, did the reference score 1 and the wrong answer less."""

    env: str
    n_tasks: int
    passed: int
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.n_tasks > 0 and not self.failures

    def summary(self) -> str:
        head = f"{self.env}: {self.passed}/{self.n_tasks} tasks validated"
        return "\n".join([head, *(f"  FAIL {f}" for f in self.failures)])


def as_assistant_message(action: Any) -> Message:
    """Normalise an action into a fresh assistant-message dict (a plain string is the content).

    Raises:
        TypeError: for anything that is neither a string nor a message dict.
    """
    if isinstance(action, str):
        return {"role": "assistant", "content": action}
    if not isinstance(action, dict):
        raise TypeError(
            f"action must be an assistant message dict or a string, got {type(action).__name__}"
        )
    message = copy.deepcopy(action)
    message["role"] = "assistant"
    if message.get("content") is None:
        message["content"] = ""
    if not message.get("tool_calls"):
        message.pop("tool_calls", None)
    return message


def tool_call(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    """An OpenAI tool-call dict with JSON-string arguments (for reference actions)."""
    from agent_rl.messages import tool_call as make_call  # the one message contract

    return make_call(name, arguments, call_id)


class AgentEnv(gymnasium.Env[list[Message], Message]):
    """Base class of every agent-rl environment.

    Subclasses pass their tasks (and optionally a `agent_rl.tools.ToolSet`) to `__init__` and implement
    `finish(action)` (score a final answer) plus `reference_action` and `wrong_action`; they
    may override `opening_messages`, `on_tool_results` or the whole `on_step`.

    Args:
        tasks: the task source (Task objects or dicts in the Task schema); the seed picks one.
        toolset: tools the agent may call; None for a tool-less env.
        max_turns: steps before the episode is truncated (1 = single-turn).
        system_prompt: first message of every episode, None for none.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    train_settings: ClassVar[dict[str, Any]] = {}
    """Rollout budgets this env needs to train with the trainer's defaults, e.g.
    `{"max_tokens": 1024, "max_turns": 8, "step_timeout": 120}` (keys of the trainer's
    `rollout` config section); empty for envs the defaults fit."""

    @classmethod
    def held_out_kwargs(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Constructor kwargs of the held-out env for a training env built with `kwargs`.

        The default asks for the test split of the same source when the env takes a `split`
        (an env without one is held out on its own tasks: the same kwargs); an env whose
        held-out tasks need other settings overrides this (the trainer never special-cases an
        env id).
        """
        return {**kwargs, "split": "test"} if takes_kwarg(cls, "split") else dict(kwargs)

    def __init__(
        self,
        tasks: Sequence[Task | dict[str, Any]],
        *,
        toolset: ToolSet | None = None,
        max_turns: int = 1,
        system_prompt: str | None = None,
    ) -> None:
        if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
            raise ConfigError(f"must be an int >= 1, got {max_turns!r}", key="max_turns")
        self.tasks: list[Task] = [Task.from_dict(t) for t in tasks]
        if not self.tasks:
            raise DataError(f"{type(self).__name__} has no tasks")
        self.toolset = toolset
        self.max_turns = max_turns
        self.system_prompt = system_prompt
        self.observation_space = MessagesSpace()
        self.action_space = AssistantMessageSpace(tool_names=self.tool_names)
        self.task: Task | None = None
        self.history: list[Message] = []
        self.turn = 0
        self.done = False

    # ----------------------------------------------------------------- gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        """Start an episode on `options["task"]`, or on a task the seed picks."""
        super().reset(seed=seed)
        options = options or {}
        if options.get("task") is not None:
            self.task = Task.from_dict(options["task"])
        else:
            self.task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        self.turn = 0
        self.done = False
        if self.toolset is not None:
            self.toolset.reset()  # stateful tools start every episode empty
        messages = self.opening_messages(self.task)
        self.history = copy.deepcopy(messages)
        return messages, {"tools": self.tool_specs(), "task_id": self.task.id}

    def step(
        self, action: Message | str
    ) -> tuple[list[Message], float, bool, bool, dict[str, Any]]:
        """Apply one assistant message; returns (new messages, reward, terminated, truncated, info)."""
        if self.task is None or self.done:
            raise ResetNeeded("call reset() before step() (the episode has ended or not begun)")
        message = as_assistant_message(action)
        self.turn += 1
        self.history.append(copy.deepcopy(message))
        outcome = self.on_step(message)
        score = outcome.score
        reward = float(score.reward if score is not None else outcome.reward)
        if not 0.0 <= reward <= 1.0:
            raise ValueError(f"{type(self).__name__} produced reward {reward} outside [0, 1]")
        terminated = bool(outcome.terminated)
        truncated = not terminated and self.turn >= self.max_turns
        self.done = terminated or truncated
        self.history.extend(copy.deepcopy(outcome.messages))
        info = {"task_id": self.task.id, "turn": self.turn, **outcome.info}
        if score is not None:
            info["score"] = score.to_dict()
            if score.infra_error and not info.get("infra_error"):
                info["infra_error"] = score.infra_error
        if truncated:
            info["truncation"] = "max_turns"
        return copy.deepcopy(outcome.messages), reward, terminated, truncated, info

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        """Async `reset` (a worker thread by default)."""
        return await asyncio.to_thread(self.reset, seed=seed, options=options)

    async def astep(
        self, action: Message | str
    ) -> tuple[list[Message], float, bool, bool, dict[str, Any]]:
        """Async `step` (a worker thread by default; I/O-bound envs override it)."""
        return await asyncio.to_thread(self.step, action)

    # ----------------------------------------------------------------- hooks
    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(self.toolset.names) if self.toolset is not None else ()

    def tool_specs(self) -> list[dict[str, Any]]:
        """OpenAI tool specs for `info["tools"]` (a fresh list each call)."""
        return copy.deepcopy(self.toolset.specs()) if self.toolset is not None else []

    def opening_messages(self, task: Task) -> list[Message]:
        """System prompt (if any) and the task prompt as the user turn."""
        messages: list[Message] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": task.prompt})
        return messages

    def on_step(self, action: Message) -> StepOutcome:
        """Tool calls go to the toolset and the episode continues; anything else is `finish`ed."""
        calls = action.get("tool_calls")
        if calls and self.toolset is not None:
            results = [self.toolset.call(call) for call in calls]
            messages = [r.to_message(c) for r, c in zip(results, calls, strict=True)]
            return self.on_tool_results(action, results, messages)
        if self.toolset is not None and action.get("parse_errors") and self.turn < self.max_turns:
            return self.on_parse_errors(action, list(action["parse_errors"]))
        return self.finish(action)

    def on_parse_errors(self, action: Message, errors: list[str]) -> StepOutcome:
        """A tool-call attempt the chat format could not read: show the errors, go on.

        Only for envs with tools and turns left; the model gets the parser's own words, so it
        can repair the call instead of the episode ending on a formatting slip.
        """
        text = "; ".join(errors)
        feedback = (
            f"Your tool call could not be read: {text}. "
            "Call a tool with valid JSON arguments, or give your final answer."
        )
        return StepOutcome(
            messages=[{"role": "user", "content": feedback}], info={"parse_errors": errors}
        )

    def on_tool_results(
        self, action: Message, results: list[Any], messages: list[Message]
    ) -> StepOutcome:
        """Score a tool-calling turn (default: reward 0, episode goes on). Override to shape."""
        errors = [r.error for r in results if r.error]
        info: dict[str, Any] = {"tool_errors": errors} if errors else {}
        infra = [f"{r.name}: {r.infra_error}" for r in results if r.infra_error]
        if infra:  # the service behind a tool failed: not the agent's fault, never a silent 0
            info["infra_error"] = "; ".join(infra)
        return StepOutcome(messages=messages, info=info)

    def close(self) -> None:
        """Release the tools' resources (sessions, sandboxes, services)."""
        if self.toolset is not None:
            self.toolset.close()
        super().close()

    def finish(self, action: Message) -> StepOutcome:
        """Score a final answer (an action without tool calls): return
        `StepOutcome(score=..., terminated=True)`."""
        raise NotImplementedError(f"{type(self).__name__} must implement finish() or on_step()")

    def reference_action(self) -> Message | None:
        """The message a perfect agent sends next in the current episode (None: no opinion)."""
        return None

    def wrong_action(self) -> Message:
        """A plausible wrong final answer for the current task (used by `validate`)."""
        return {"role": "assistant", "content": "I do not know."}

    # ----------------------------------------------------------------- self-validation
    def validate(self, n_tasks: int | None = None) -> ValidationReport:
        """Run the reference agent and a wrong agent on the first `n_tasks` tasks.

        A task passes when the reference episode ends with reward 1.0 and no infra error, and
        the wrong answer scores less than 1.0.
        """
        name = self.spec.id if self.spec is not None else type(self).__name__
        tasks = self.tasks if n_tasks is None else self.tasks[: max(n_tasks, 0)]
        report = ValidationReport(env=name, n_tasks=len(tasks), passed=0)
        for task in tasks:
            problem = self._validate_task(task)
            if problem is None:
                report.passed += 1
            else:
                report.failures.append(f"task {task.id}: {problem}")
        return report

    def _validate_task(self, task: Task) -> str | None:
        self.reset(options={"task": task})
        reward, info = 0.0, {}
        for _ in range(self.max_turns):
            action = self.reference_action()
            if action is None:
                return "reference_action() returned None"
            _, reward, terminated, truncated, info = self.step(action)
            if info.get("infra_error"):
                return f"infra error on the reference answer: {info['infra_error']}"
            if terminated or truncated:
                break
        if reward != 1.0:
            return f"reference answer scored {reward} (info: {info})"
        self.reset(options={"task": task})
        _, wrong_reward, _, _, wrong_info = self.step(self.wrong_action())
        if wrong_info.get("infra_error"):
            return f"infra error on the wrong answer: {wrong_info['infra_error']}"
        if wrong_reward >= 1.0:
            return f"wrong answer {self.wrong_action()!r} scored {wrong_reward}"
        return None
