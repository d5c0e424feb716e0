"""agent-rl: Gymnasium environments, V3.1-exact multi-turn rollouts and RL training for agents.

Public entry points live in the sub-packages: `agent_rl.chat_format`, `agent_rl.rollout`,
`agent_rl.train`; environments in `envs`, tools and sandboxes in `tools`.
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
