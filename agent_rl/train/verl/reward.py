"""verl's `compute_score` for agent-rl rows: the env scores the final answer, as in a rollout.

Rows run by `AgentRLAgentLoop` carry the env's reward already (`reward_score`), so verl only
calls this for rows whose rollout did not score (verl's single-turn or tool loops, a reward
manager recomputing, validation with another loop). Point verl at it with
`reward.custom_reward_function.path=<this file> reward.custom_reward_function.name=compute_score`.

The row's env is rebuilt (`extra_info.env_id`, `env_kwargs`), reset on the row's task and
stepped with the final assistant message; its `Score` (reward, components, infra error) is
the answer. verl decodes responses without special tokens, so the whole text is the final
answer; with special tokens kept, the text after the last turn marker is parsed with the
project's V3.1 parser. Keys of the returned dict are the same for every row (verl stacks them).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from agent_rl.chat_format.parser import parse_v31
from agent_rl.chat_format.special_tokens import ASSISTANT, TOOL_OUTPUT_END, USER
from agent_rl.errors import DataError

_local = threading.local()


def final_message(solution_str: str) -> dict[str, Any]:
    """The last assistant turn of a response as a message without tool calls (to be scored)."""
    text = solution_str
    cut = max(
        text.rfind(m) + len(m) if text.rfind(m) >= 0 else -1
        for m in (ASSISTANT, TOOL_OUTPUT_END, USER)
    )
    if cut >= 0:
        text = text[cut:]
    parsed = parse_v31(text)
    message = {"role": "assistant", "content": parsed.get("content") or ""}
    if parsed.get("reasoning_content"):
        message["reasoning_content"] = parsed["reasoning_content"]
    return message


def _env(env_id: str, env_kwargs: str) -> Any:
    """One env per (id, kwargs) per thread: verl's reward managers score in executor threads."""
    cache = getattr(_local, "envs", None)
    if cache is None:
        cache = _local.envs = {}
    key = (env_id, env_kwargs)
    if key not in cache:
        from agent_rl import envs

        cache[key] = envs.make(env_id, **json.loads(env_kwargs or "{}"))
    return cache[key]


def score_answer(
    env_id: str, task: dict[str, Any], message: dict[str, Any], env_kwargs: str = "{}"
) -> dict[str, Any]:
    """Reset `env_id` on `task`, step it with `message`; the env's score as a flat dict."""
    env = _env(env_id, env_kwargs)
    env.reset(options={"task": task})
    _, reward, terminated, _truncated, info = env.step(message)
    score = info.get("score") or {}
    infra = info.get("infra_error") or score.get("infra_error")
    return {
        "score": float(reward),
        "components": json.dumps(dict(score.get("components") or {}), sort_keys=True),
        "infra_error": 1.0 if infra else 0.0,
        "terminated": 1.0 if terminated else 0.0,
    }


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """verl's reward-function signature; delegates to the env's scoring.

    Raises:
        DataError: the row has no `extra_info.task` (it was not written by `agent-rl data verl`).
    """
    info = dict(extra_info or {})
    task = info.get("task")
    if task is None:
        raise DataError(
            "extra_info has no task: write the data with `agent-rl data verl`",
            key="extra_info.task",
        )
    if isinstance(task, str):
        task = json.loads(task)
    env_id = str(info.get("env_id") or data_source)
    return score_answer(
        env_id, task, final_message(solution_str), str(info.get("env_kwargs") or "{}")
    )
