"""The verl backend: the same envs, V3.1 rollouts and rewards, trained by verl on a cluster.

    agent-rl data verl --env agent_rl/Math-v0 --split train --out data/math
    agent-rl train --backend verl --env agent_rl/Math-v0 --algo grpo --dry-run --out runs/verl-math

Pieces (see docs/verl.md):
- `AgentRLAgentLoop` (`agent_loop`): verl's agent loop running `agent_rl.rollout.Episode`, the
  episode loop the local engine runs too;
- `DeepSeekV31ToolParser` (`tool_parser`): V3.1 in verl's `ToolParser` registry;
- `verl_rows`/`write_verl_data` (`data`): parquet rows from any env's task source;
- `compute_score` (`reward`): verl's reward-function signature over the env's scoring;
- `VerlRunConfig` (`config`): Hydra overrides for GRPO, PPO, DAPO, GSPO, PPO with a reward
  model, in sync, one-step off-policy and fully async modes; `check_config` (`check`) composes
  them with verl's own config and validates them;
- `prepare_run`/`launch_run` (`launch`): the run folder with `run.sh`.

Importing this package does not import verl (it loads Ray, seconds): the modules that need verl
(`agent_loop`, `tool_parser`, `cpu_server`) load on first use of their names.
"""

from __future__ import annotations

from agent_rl.lazy import lazy_exports

_LAZY = {
    "AGENT_NAME": "agent_rl.train.verl.agent_loop",
    "AgentRLAgentLoop": "agent_rl.train.verl.agent_loop",
    "ServerGenerate": "agent_rl.train.verl.agent_loop",
    "to_agent_loop_output": "agent_rl.train.verl.agent_loop",
    "DeepSeekV31ToolParser": "agent_rl.train.verl.tool_parser",
    "V31ToolAgentLoop": "agent_rl.train.verl.tool_parser",
    "TransformersServerManager": "agent_rl.train.verl.cpu_server",
    "verl_rows": "agent_rl.train.verl.data",
    "write_verl_data": "agent_rl.train.verl.data",
    "write_parquet": "agent_rl.train.verl.data",
    "make_env": "agent_rl.train.verl.data",
    "compute_score": "agent_rl.train.verl.reward",
    "run_worker": "agent_rl.train.verl.parity",
    "same_episode": "agent_rl.train.verl.parity",
    "ALGOS": "agent_rl.train.verl.config",
    "ENTRY_POINTS": "agent_rl.train.verl.config",
    "VerlRunConfig": "agent_rl.train.verl.config",
    "check_config": "agent_rl.train.verl.check",
    "compose_config": "agent_rl.train.verl.check",
    "PreparedRun": "agent_rl.train.verl.launch",
    "prepare_run": "agent_rl.train.verl.launch",
    "launch_run": "agent_rl.train.verl.launch",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_exports(__name__, _LAZY)
