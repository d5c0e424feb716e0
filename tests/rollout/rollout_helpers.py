"""Small scripted envs and policies for rollout tests (imported by the test modules).

The envs here exercise engine mechanics (turns, failures, timeouts) that the shipped envs
cannot produce on demand; integration tests use the real Math and Calculator envs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from agent_rl.rollout import Generation, GenerationContext, SamplingParams


class WordEnv:
    """Say the secret word; `needed` correct answers end the episode (multi-turn otherwise).

    Knobs make it misbehave on chosen seeds: raise in reset or step, report an infra error,
    sleep in step (sync, so it runs in a worker thread) or send a system message mid-episode.
    """

    def __init__(
        self,
        needed: int = 1,
        raise_reset_on: Sequence[int] = (),
        raise_step_on: Sequence[int] = (),
        infra_error_on: Sequence[int] = (),
        system_message_on: Sequence[int] = (),
        step_sleep_s: float = 0.0,
        tools: bool = False,
    ) -> None:
        self.needed = needed
        self.raise_reset_on = set(raise_reset_on)
        self.raise_step_on = set(raise_step_on)
        self.infra_error_on = set(infra_error_on)
        self.system_message_on = set(system_message_on)
        self.step_sleep_s = step_sleep_s
        self.tools = tools
        self.closed = False

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        self.seed = seed or 0
        if self.seed in self.raise_reset_on:
            raise RuntimeError(f"reset exploded on seed {self.seed}")
        task = (options or {}).get("task") or {"word": f"w{self.seed}"}
        self.word = task["word"]
        self.correct = 0
        info = {"task_id": f"word-{self.word}", "tools": []}
        if self.tools:
            info["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": "hint",
                        "description": "Reveal the word.",
                        "parameters": {"type": "object", "properties": {}},
                    },
                }
            ]
        return [{"role": "user", "content": f"Say {self.word} (seed {self.seed})."}], info

    def step(self, action: dict[str, Any]):
        if self.step_sleep_s:
            time.sleep(self.step_sleep_s)
        if self.seed in self.raise_step_on:
            raise ValueError(f"step exploded on seed {self.seed}")
        if self.seed in self.infra_error_on:
            return [], 0.0, True, False, {"infra_error": "verifier timed out"}
        if self.seed in self.system_message_on:
            return [{"role": "system", "content": "new rules"}], 0.0, False, False, {}
        if action.get("tool_calls"):
            call = action["tool_calls"][0]
            msg = {"role": "tool", "tool_call_id": call["id"], "content": self.word}
            return [msg], 0.0, False, False, {}
        if (action.get("content") or "").strip() == self.word:
            self.correct += 1
            if self.correct >= self.needed:
                return [], 1.0, True, False, {"correct": self.correct}
            return [{"role": "user", "content": "Again."}], 0.0, False, False, {}
        return [{"role": "user", "content": "Wrong, try again."}], 0.0, False, False, {}

    async def areset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        return await asyncio.to_thread(self.reset, seed=seed, options=options)

    async def astep(self, action: dict[str, Any]):
        return await asyncio.to_thread(self.step, action)

    def reference_action(self) -> dict[str, Any]:
        return {"role": "assistant", "content": self.word}

    def close(self) -> None:
        self.closed = True


class ScriptedPolicy:
    """Replies with `script(context, turn)` encoded by the chat format, after `delay_s`.

    Records what it saw (max concurrency, sampling params) and can fail on chosen episodes.
    Logprobs are a fixed -0.25 so tests can tell policy tokens from env tokens.
    """

    def __init__(
        self,
        chat_format: Any,
        script: Callable[[GenerationContext, int], dict[str, Any]] | None = None,
        *,
        delay_s: float = 0.0,
        fail_when: Callable[[GenerationContext], bool] | None = None,
    ) -> None:
        self.cf = chat_format
        self.script = script or (lambda ctx, turn: ctx.reference())
        self.delay_s = delay_s
        self.fail_when = fail_when
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[tuple[list[int], SamplingParams]] = []

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.calls.append((list(prompt_ids), params))
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.fail_when is not None and self.fail_when(context):
                raise ConnectionError("backend went away")
            turn = sum(1 for m in context.messages if m["role"] == "assistant")
            ids = self.cf.encode_completion(self.script(context, turn), thinking=context.thinking)
            finish = "stop"
            if len(ids) > params.max_tokens:
                ids, finish = ids[: params.max_tokens], "length"
            return Generation(ids, [-0.25] * len(ids), self.cf.decode(ids), finish)
        finally:
            self.in_flight -= 1


def full_conversation_check(chat_format: Any, traj: Any) -> None:
    """Ids and mask of a trajectory equal the chat format's encoding of its messages.

    The messages after the last assistant turn (final feedback) were never sent to the policy,
    so the comparison stops at the last assistant message.
    """
    last = max(i for i, m in enumerate(traj.messages) if m["role"] == "assistant")
    enc = chat_format.encode(
        traj.messages[: last + 1], tools=traj.tools or None, thinking=traj.thinking
    )
    ids = traj.prompt_ids + traj.response_ids
    mask = [0] * len(traj.prompt_ids) + traj.loss_mask
    n = len(ids)
    assert enc.input_ids[:n] == ids
    assert enc.loss_mask[:n] == mask
    assert len(enc.input_ids) == n
