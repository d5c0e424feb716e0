"""One episode's loop, shared by every driver: the local engine and verl's agent loop.

`Episode.run(env_factory, generate, seed)` builds the env, `areset`s it, encodes the opening
prompt, then loops generate -> parse -> `astep` -> append observation ids. `generate` is any
coroutine with `Policy.generate`'s signature (`(ids, SamplingParams, GenerationContext) ->
Generation`): the local engine passes its policy's, verl's agent loop an adapter over verl's
server manager, so both drivers produce the same ids, masks and logprobs for the same
generations.

Ids are kept token in, token out: the policy's completion ids are appended as they came (mask 1,
with logprobs) and the env's new messages are appended as `chat_format.encode_observation` ids
(mask 0); the history is never decoded and re-encoded. With `validate=True` the conversation is
also re-encoded every turn and prefix violations are recorded.

Failures stay inside their episode: an env or backend exception, a step timeout or an env's
`info["infra_error"]` ends the episode with a termination from `TERMINATIONS` and the error
text; `run` never raises for them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from agent_rl.errors import ConfigError
from agent_rl.rollout.backends.base import (
    Generation,
    GenerationContext,
    SamplingParams,
    decode_ids,
    generation_problem,
    vocab_size_of,
)
from agent_rl.rollout.trajectory import Trajectory

logger = logging.getLogger(__name__)

T = TypeVar("T")
EnvFactory = Callable[[], Any]
GenerateFn = Callable[[list[int], SamplingParams, GenerationContext], Awaitable[Generation]]
"""`Policy.generate`'s signature: ids so far, sampling for this turn, context -> completion."""


@dataclass(frozen=True)
class RolloutLimits:
    """Per-episode limits.

    `max_total_tokens` bounds prompt plus response ids (the context the policy sees); each
    generation gets `min(max_tokens_per_turn, what is left)`. `step_timeout_s` bounds every
    generate and every env reset/step (None: no limit).
    """

    max_turns: int = 8
    max_tokens_per_turn: int = 1024
    max_total_tokens: int = 8192
    step_timeout_s: float | None = 300.0

    def __post_init__(self) -> None:
        for name in ("max_turns", "max_tokens_per_turn", "max_total_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(f"must be >= 1, got {getattr(self, name)}", key=name)
        if self.step_timeout_s is not None and self.step_timeout_s <= 0:
            raise ConfigError(f"must be > 0, got {self.step_timeout_s}", key="step_timeout_s")


class _StepTimeout(Exception):
    pass


class _EpisodeEnd(Exception):
    """Ends an episode early with a termination reason and error text."""

    def __init__(self, termination: str, error: str) -> None:
        super().__init__(error)
        self.termination, self.error = termination, error


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _areset(env: Any, seed: int | None, options: dict[str, Any] | None) -> Any:
    fn = getattr(env, "areset", None)
    if fn is not None:
        return await _maybe_await(fn(seed=seed, options=options))
    # A Gymnasium wrapper without async methods: keep its logic, run it in a thread.
    return await asyncio.to_thread(env.reset, seed=seed, options=options)


async def _astep(env: Any, action: Any) -> Any:
    fn = getattr(env, "astep", None)
    if fn is not None:
        return await _maybe_await(fn(action))
    return await asyncio.to_thread(env.step, action)


def _reference(env: Any) -> dict[str, Any] | None:
    fn = getattr(env, "reference_action", None) or getattr(
        getattr(env, "unwrapped", None), "reference_action", None
    )
    return fn() if fn is not None else None


def _assistant_message(parsed: dict[str, Any]) -> dict[str, Any]:
    """The parsed reply as it is stored in `messages` (no parser bookkeeping keys)."""
    msg: dict[str, Any] = {"role": "assistant", "content": parsed.get("content") or ""}
    if parsed.get("reasoning_content") is not None:
        msg["reasoning_content"] = parsed["reasoning_content"]
    if parsed.get("tool_calls"):
        msg["tool_calls"] = parsed["tool_calls"]
    return msg


@dataclass
class Episode:
    """The per-episode loop with its settings; stateless, so one instance serves many episodes.

    Args:
        chat_format: the `ChatFormat` that encodes prompts and observations and parses replies.
        limits: turn, token and timeout limits.
        sampling: temperature/top-p and base seed; `max_tokens`, stop ids and the per-turn seed
            are set here every turn.
        thinking: encode prompts in thinking mode.
        validate: re-encode the conversation every turn and record prefix violations in
            `info["prefix_violations"]`.
        stop_token_ids: ids that end a completion (default: the chat format's).
        env_id: recorded on the trajectory.
    """

    chat_format: Any
    limits: RolloutLimits
    sampling: SamplingParams
    thinking: bool = False
    validate: bool = False
    stop_token_ids: tuple[int, ...] = ()
    env_id: str = ""

    def __post_init__(self) -> None:
        if not self.stop_token_ids:
            self.stop_token_ids = tuple(
                self.sampling.stop_token_ids
                or getattr(self.chat_format, "stop_token_ids", ())
                or ()
            )

    async def _timed(self, what: str, aw: Awaitable[T]) -> T:
        timeout = self.limits.step_timeout_s
        if timeout is None:
            return await aw
        try:
            return await asyncio.wait_for(aw, timeout)
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise _StepTimeout(f"{what} exceeded the step timeout of {timeout:g}s") from exc

    async def run(
        self,
        env_factory: EnvFactory,
        generate: GenerateFn,
        seed: int | None = None,
        *,
        options: dict[str, Any] | None = None,
        group: str | None = None,
        sample: int = 0,
    ) -> Trajectory:
        """Play one episode to its end; never raises for env or backend failures."""
        t_start = time.perf_counter()
        traj = Trajectory(
            env_id=str(self.env_id), seed=seed, group=group, sample=sample, thinking=self.thinking
        )
        traj.timings = {"reset": 0.0, "generate": [], "env": [], "total": 0.0}
        env = None
        try:
            try:
                env = await asyncio.to_thread(env_factory)
                t0 = time.perf_counter()
                messages, info = await self._timed("env reset", _areset(env, seed, options))
                traj.timings["reset"] = time.perf_counter() - t0
            except _StepTimeout as exc:
                raise _EpisodeEnd("step_timeout", str(exc)) from exc
            except Exception as exc:
                raise _EpisodeEnd("env_error", f"env reset failed: {_describe(exc)}") from exc
            await self._play(env, generate, list(messages), dict(info or {}), traj, sample)
        except _EpisodeEnd as end:
            traj.termination, traj.error = end.termination, end.error
            logger.debug("episode %s/%s ended: %s", group, sample, end.error)
        except Exception as exc:  # a harness bug must not take the batch down: mark and count
            logger.exception("episode %s/%s crashed", group, sample)
            traj.termination, traj.error = "infra_error", f"rollout failed: {_describe(exc)}"
        finally:
            close = getattr(env, "close", None)
            if close is not None:
                try:
                    close()
                except Exception as exc:  # closing must not turn a result into a failure
                    logger.warning("env.close() failed: %s", _describe(exc))
            traj.reward = float(sum(traj.turn_rewards))
            traj.timings["total"] = time.perf_counter() - t_start
        return traj

    async def _play(
        self,
        env: Any,
        generate: GenerateFn,
        messages: list[dict[str, Any]],
        info: dict[str, Any],
        traj: Trajectory,
        sample: int,
    ) -> None:
        cf, limits = self.chat_format, self.limits
        tools = list(info.get("tools") or [])
        traj.tools = tools
        traj.task_id = None if info.get("task_id") is None else str(info["task_id"])
        traj.messages = messages
        traj.prompt_ids = list(
            cf.encode_prompt(messages, tools=tools or None, thinking=self.thinking)
        )
        ids = list(traj.prompt_ids)  # everything the policy has seen so far
        context = GenerationContext(
            messages=messages,
            tools=tools,
            reference=lambda: _reference(env),
            thinking=self.thinking,
            episode=f"{traj.group}/{sample}",
        )
        finish_reasons: list[str] = []
        parse_errors: list[dict[str, Any]] = []
        violations: list[dict[str, Any]] = []
        traj.info["finish_reasons"] = finish_reasons

        for turn in range(limits.max_turns):
            remaining = limits.max_total_tokens - len(ids)
            if remaining <= 0:
                traj.termination = "max_tokens"
                return
            params = self.sampling.replace(
                max_tokens=min(limits.max_tokens_per_turn, remaining),
                stop_token_ids=self.stop_token_ids,
                seed=self._sample_seed(traj.seed, sample, turn),
            )
            context.messages = list(messages)
            t0 = time.perf_counter()
            try:
                gen = await self._timed("generate", generate(list(ids), params, context))
            except _StepTimeout as exc:
                raise _EpisodeEnd("step_timeout", str(exc)) from exc
            except Exception as exc:
                raise _EpisodeEnd("backend_error", f"policy failed: {_describe(exc)}") from exc
            finally:
                traj.timings["generate"].append(time.perf_counter() - t0)
            self._check_generation(gen, params, vocab_size_of(cf, gen.token_ids))
            completion = list(gen.token_ids)
            traj.num_turns += 1
            finish_reasons.append(gen.finish_reason)
            ids.extend(completion)
            traj.response_ids.extend(completion)
            traj.loss_mask.extend([1] * len(completion))
            traj.logprobs.extend(
                [float(x) for x in gen.logprobs]
                if gen.logprobs is not None
                else [0.0] * len(completion)
            )
            if gen.logprobs is None:
                traj.info["logprobs_missing"] = True

            text = decode_ids(cf, completion)
            parsed = cf.parse(text, thinking=self.thinking, tools=tools or None)
            if parsed.get("parse_errors"):
                parse_errors.append({"turn": turn, "errors": list(parsed["parse_errors"])})
                traj.info["parse_errors"] = parse_errors
            assistant = _assistant_message(parsed)
            if gen.finish_reason == "length":
                # The reply was cut off: it has no end token, the env never sees it.
                messages.append(assistant)
                traj.termination = "max_tokens"
                return

            t0 = time.perf_counter()
            try:
                step = await self._timed("env step", _astep(env, parsed))
            except _StepTimeout as exc:
                raise _EpisodeEnd("step_timeout", str(exc)) from exc
            except Exception as exc:
                raise _EpisodeEnd("env_error", f"env step failed: {_describe(exc)}") from exc
            finally:
                traj.timings["env"].append(time.perf_counter() - t0)
            try:
                new_messages, reward, terminated, truncated, step_info = step
                new_messages = list(new_messages or [])
                reward = float(reward)
            except (TypeError, ValueError) as exc:
                raise _EpisodeEnd("env_error", f"env step returned {step!r:.200}: {exc}") from exc
            messages.append(assistant)
            messages.extend(new_messages)
            traj.turn_rewards.append(reward)
            step_info = dict(step_info or {})
            traj.info["env"] = _jsonable(step_info)
            if isinstance(step_info.get("score"), dict):  # why this step got its reward
                traj.scores.append(_jsonable(step_info["score"]))
            if step_info.get("infra_error"):
                raise _EpisodeEnd("infra_error", str(step_info["infra_error"]))
            if terminated:
                traj.termination = "terminated"
                return
            if truncated:
                traj.termination = "truncated"
                return
            if turn + 1 >= limits.max_turns:
                traj.termination = "max_turns"
                return

            history = messages[: len(messages) - len(new_messages)]
            try:
                observation = list(
                    cf.encode_observation(new_messages, history, thinking=self.thinking)
                )
            except Exception as exc:  # e.g. a system message mid-episode
                raise _EpisodeEnd(
                    "env_error", f"cannot encode the env's messages: {_describe(exc)}"
                ) from exc
            if len(ids) + len(observation) >= limits.max_total_tokens:
                # No room left to answer: stop here rather than exceed the context budget.
                traj.termination = "max_tokens"
                return
            before = len(ids)
            ids.extend(observation)
            traj.response_ids.extend(observation)
            traj.loss_mask.extend([0] * len(observation))
            traj.logprobs.extend([0.0] * len(observation))
            if self.validate:
                canonical = list(
                    cf.encode_prompt(messages, tools=tools or None, thinking=self.thinking)
                )
                problem = cf.check_prefix(ids[:before], canonical)
                if problem is None and canonical != ids:
                    problem = (
                        f"incremental ids ({len(ids)}) differ from re-encoding ({len(canonical)}) "
                        "in the appended observation"
                    )
                if problem is not None:
                    violations.append({"turn": turn, "error": problem})
                    traj.info["prefix_violations"] = violations
        traj.termination = "max_turns"  # defensive: every turn above returns on the last one

    def _sample_seed(self, env_seed: int | None, sample: int, turn: int) -> int | None:
        """Distinct, reproducible sampling seeds per (episode, sample, turn) from a base seed."""
        base = self.sampling.seed
        if base is None:
            return None
        return (base * 1_000_003 + (env_seed or 0) * 10_007 + sample * 101 + turn) % (2**31 - 1)

    @staticmethod
    def _check_generation(gen: Generation, params: SamplingParams, vocab: int | None) -> None:
        problem = generation_problem(gen, vocab)  # every backend: ids checked where they enter
        if problem:
            raise _EpisodeEnd("backend_error", f"policy returned bad output: {problem}")
        if gen.logprobs is not None and len(gen.logprobs) != len(gen.token_ids):
            raise _EpisodeEnd(
                "backend_error",
                f"policy returned {len(gen.logprobs)} logprobs for {len(gen.token_ids)} tokens",
            )
        if len(gen.token_ids) > params.max_tokens:
            raise _EpisodeEnd(
                "backend_error",
                f"policy returned {len(gen.token_ids)} tokens, over max_tokens={params.max_tokens}",
            )


def _jsonable(value: Any) -> Any:
    """Keep env info JSON-serializable for the JSONL writer (repr for anything exotic)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
    except ImportError:  # pragma: no cover
        pass
    return repr(value)
