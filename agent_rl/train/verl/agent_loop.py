"""verl's agent loop for every agent-rl env: the same `Episode` the local engine runs.

verl instantiates `AgentRLAgentLoop` in its agent-loop workers (through the YAML file named by
`actor_rollout_ref.rollout.agent.agent_loop_config_path`, picked per data row by its
`agent_name` column) and calls `run(sampling_params, **row)` once per sample. The loop builds
the row's env, then hands `agent_rl.rollout.Episode` a `generate` coroutine over verl's server
manager; the episode does the rest exactly as in a local rollout (V3.1 prompt ids, parse with
the project's parser, env step, observation ids with mask 0, turn and token limits). The
trajectory becomes verl's `AgentLoopOutput` with the env's reward as `reward_score`, so verl's
reward manager is not called for these rows.

Importing this module imports verl (and ray): only verl's workers and the tests do.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopMetrics, AgentLoopOutput

from agent_rl.errors import ConfigError, DataError
from agent_rl.rollout.backends.base import Generation, GenerationContext, SamplingParams
from agent_rl.rollout.episode import Episode, RolloutLimits
from agent_rl.rollout.trajectory import Trajectory

logger = logging.getLogger(__name__)

#: The `agent_name` data rows use to pick this loop (and the name in the agent-loop YAML).
AGENT_NAME = "agent_rl"


class ServerGenerate:
    """`Policy.generate` over verl's server manager (token ids in, token ids out).

    verl's sampling dict (temperature, top_p, top_k, repetition_penalty, logprobs) is kept;
    each turn sets `max_tokens`, the stop ids and, when the episode is seeded, `seed`. One
    request id per episode keeps a multi-turn episode on one server (prefix caching).
    """

    def __init__(
        self, server_manager: Any, sampling_params: dict[str, Any], request_id: str
    ) -> None:
        self.server_manager = server_manager
        self.base = dict(sampling_params)
        self.request_id = request_id
        self.preempted = 0

    async def __call__(
        self, prompt_ids: list[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        sampling = dict(self.base)
        sampling.update(
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            stop_token_ids=list(params.stop_token_ids),
        )
        if params.seed is not None:
            sampling["seed"] = params.seed
        out = await self.server_manager.generate(
            self.request_id, prompt_ids=list(prompt_ids), sampling_params=sampling
        )
        if out.stop_reason in ("aborted", "abort"):
            raise RuntimeError(f"the rollout server aborted request {self.request_id}")
        if out.num_preempted:
            self.preempted += int(out.num_preempted)
        ids = [int(t) for t in out.token_ids]
        # vLLM/SGLang report "length" when max_tokens cut the turn; anything else ended it.
        cut = out.stop_reason == "length" or (
            len(ids) >= params.max_tokens and not (ids and ids[-1] in params.stop_token_ids)
        )
        finish = "length" if cut else "stop"
        logprobs = None if out.log_probs is None else [float(x) for x in out.log_probs]
        return Generation(token_ids=ids, logprobs=logprobs, finish_reason=finish)


def row_task(extra_info: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(env id, task dict, env kwargs) from a data row's `extra_info` (see `data.py`)."""
    if not isinstance(extra_info, dict):
        raise DataError(f"expected a dict, got {type(extra_info).__name__}", key="extra_info")
    env_id = extra_info.get("env_id")
    if not env_id:
        raise DataError("missing env_id (write the data with `agent-rl data verl`)", key="env_id")
    task = extra_info.get("task")
    if isinstance(task, str):
        task = json.loads(task)
    if not isinstance(task, dict):
        raise DataError("missing task (a JSON object)", key="extra_info.task")
    env_kwargs = extra_info.get("env_kwargs") or {}
    if isinstance(env_kwargs, str):
        env_kwargs = json.loads(env_kwargs)
    return str(env_id), task, dict(env_kwargs)


def to_agent_loop_output(
    traj: Trajectory, *, eos_token_id: int, response_length: int | None = None
) -> AgentLoopOutput:
    """verl's `AgentLoopOutput` from a finished trajectory (cut to `response_length`).

    A failed episode (infra error, env or backend failure) keeps its row with a zero response
    mask, so verl's batch keeps its shape and no gradient comes from it.
    """
    kw = traj.to_verl_agent_loop_output()
    if response_length is not None and len(kw["response_ids"]) > response_length:
        kw["extra_fields"]["truncated_to_response_length"] = len(kw["response_ids"])
        for key in ("response_ids", "response_mask", "response_logprobs"):
            if kw[key] is not None:
                kw[key] = kw[key][:response_length]
    env_info = traj.info.get("env") or {}
    kw["extra_fields"].update(
        env_id=traj.env_id,
        env_info=env_info,
        score=env_info.get("score"),
        infra_error=env_info.get("infra_error"),
        failed=traj.failed,
        num_policy_tokens=traj.num_policy_tokens,
        turn_scores=list(traj.turn_rewards),
        tool_rewards=[],
    )
    if traj.failed:
        # Infrastructure failed, not the agent: keep the row (verl's batch shapes) but train on
        # none of its tokens; `extra_fields["failed"]` counts it.
        kw["response_mask"] = [0] * len(kw["response_mask"])
    if not kw["response_ids"]:  # verl indexes the last response token for the reward
        kw["response_ids"], kw["response_mask"] = [eos_token_id], [0]
        kw["response_logprobs"] = None if kw["response_logprobs"] is None else [0.0]
    kw["metrics"] = AgentLoopMetrics(**kw["metrics"])
    return AgentLoopOutput(**kw)


_FORMATS: dict[tuple[str, int], Any] = {}


def _chat_format(name: str, tokenizer: Any) -> Any:
    """One chat format per (name, tokenizer): verl builds a loop object for every sample."""
    key = (name, id(tokenizer))
    cached = _FORMATS.get(key)
    if cached is None or cached.tokenizer is not tokenizer:  # ids of dead objects are reused
        from agent_rl.chat_format import get_chat_format

        cached = _FORMATS[key] = get_chat_format(name, tokenizer=tokenizer)
    return cached


class AgentRLAgentLoop(AgentLoopBase):
    """Drive any registered agent-rl env inside verl (one implementation with the local engine).

    Keyword arguments come from the agent-loop YAML (`agent_rl.train.verl.launch`):
    `chat_format` ("deepseek_v31"), `thinking`, `max_turns`, `max_tokens_per_turn`,
    `step_timeout_s`, `seed` (per-turn sampling seeds, for reproducibility checks only: all
    samples of a GRPO group would then be the same), `validate` (prefix checks each turn),
    `env_reward` (false: leave `reward_score` unset so verl's reward model or reward function
    scores the row) and `overlong_buffer_len`/`overlong_penalty_factor` (DAPO's overlong
    penalty on the env reward, as verl's DAPO reward manager computes it for other rows).
    Token budget: the prompt plus the whole response fits `rollout.prompt_length +
    rollout.response_length`; the response is cut to `response_length` as verl's own loops do.
    """

    def __init__(
        self,
        *args: Any,
        chat_format: str = "deepseek_v31",
        thinking: bool = False,
        max_turns: int = 8,
        max_tokens_per_turn: int | None = None,
        step_timeout_s: float | None = 300.0,
        seed: int | None = None,
        validate: bool = False,
        env_reward: bool = True,
        overlong_buffer_len: int | None = None,
        overlong_penalty_factor: float = 1.0,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("tools", None)  # verl's tool list: our envs bring their own tools
        super().__init__(*args, **kwargs)
        self.chat_format = _chat_format(chat_format, self.tokenizer)
        self.thinking = bool(thinking)
        self.prompt_length = int(self.rollout_config.prompt_length)
        self.response_length = int(self.rollout_config.response_length)
        self.limits = RolloutLimits(
            max_turns=int(max_turns),
            max_tokens_per_turn=int(max_tokens_per_turn or self.response_length),
            max_total_tokens=self.prompt_length + self.response_length,
            step_timeout_s=step_timeout_s,
        )
        self.seed = None if seed is None else int(seed)
        self.validate = bool(validate)
        self.env_reward = bool(env_reward)
        self.overlong_buffer_len = overlong_buffer_len
        self.overlong_penalty_factor = float(overlong_penalty_factor)
        if overlong_buffer_len is not None and not 0 < overlong_buffer_len <= self.response_length:
            raise ConfigError(
                f"must be in (0, rollout.response_length={self.response_length}], got "
                f"{overlong_buffer_len}",
                key="overlong_buffer_len",
            )

    def overlong_penalty(self, response_length: int) -> float:
        """DAPO's soft overlong punishment (verl's `DAPORewardManager` formula), 0 when off."""
        if self.overlong_buffer_len is None:
            return 0.0
        exceed = response_length - (self.response_length - self.overlong_buffer_len)
        return min(-exceed / self.overlong_buffer_len * self.overlong_penalty_factor, 0.0)

    def episode(self, sampling_params: dict[str, Any], env_id: str) -> Episode:
        sampling = SamplingParams(
            temperature=float(sampling_params.get("temperature", 1.0)),
            top_p=float(sampling_params.get("top_p", 1.0)),
            seed=self.seed,
        )
        return Episode(
            chat_format=self.chat_format,
            limits=self.limits,
            sampling=sampling,
            thinking=self.thinking,
            validate=self.validate,
            env_id=env_id,
        )

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        env_id, task, env_kwargs = row_task(kwargs.get("extra_info"))
        index = int((kwargs.get("extra_info") or {}).get("index", 0) or 0)

        def factory() -> Any:
            from agent_rl import envs

            return envs.make(env_id, **env_kwargs)

        generate = ServerGenerate(self.server_manager, sampling_params, uuid.uuid4().hex)
        traj = await self.episode(sampling_params, env_id).run(
            factory, generate, index, options={"task": task}, group=f"{env_id}#{index}"
        )
        if len(traj.prompt_ids) > self.prompt_length:
            traj.termination = "env_error"
            traj.error = (
                f"the prompt has {len(traj.prompt_ids)} tokens, over rollout.prompt_length="
                f"{self.prompt_length} (raise it or filter the data)"
            )
            traj.prompt_ids = traj.prompt_ids[-self.prompt_length :]
            traj.response_ids, traj.loss_mask, traj.logprobs = [], [], []
        if traj.failed:
            logger.warning(
                "episode %s#%s failed (%s): %s", env_id, index, traj.termination, traj.error
            )
        if self.validate and traj.info.get("prefix_violations"):
            raise ConfigError(
                f"prefix violations: {traj.info['prefix_violations']}", key="validate"
            )
        out = to_agent_loop_output(
            traj,
            eos_token_id=self.chat_format.eos_token_id,
            response_length=self.response_length,
        )
        out.metrics.num_preempted = generate.preempted
        if not self.env_reward:  # a reward model (or verl's reward function) scores the row
            out.reward_score = None
        elif self.overlong_buffer_len is not None:
            penalty = self.overlong_penalty(len(out.response_ids))
            out.extra_fields["overlong_reward"] = penalty
            out.reward_score = float(out.reward_score or 0.0) + penalty
        return out
