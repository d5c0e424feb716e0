"""agent-rl: Gymnasium environments, V3.1-exact multi-turn rollouts and RL training for agents.

Public entry points live in the sub-packages: `agent_rl.chat_format`, `agent_rl.rollout`,
`agent_rl.train`; environments in `agent_rl.envs`, tools and sandboxes in `agent_rl.tools`,
evaluations in `agent_rl.evals`, SFT data in `agent_rl.sft_data` (`from agent_rl import envs`).
Those four live in the repository's top-level folders `envs/`, `tools/`, `evals/` and
`sft_data/` and install under this one namespace (see setup.py).
"""

from agent_rl.errors import AgentRLError, ConfigError, DataError, InfraError, UnknownEnvError

__version__ = "0.1.0"

__all__ = [
    "AgentRLError",
    "ConfigError",
    "DataError",
    "InfraError",
    "UnknownEnvError",
    "__version__",
]
