"""The env API every room codes against: base class, spaces, task record, registry."""

from agent_rl.envs.core.env import (
    AgentEnv,
    Message,
    StepOutcome,
    ValidationReport,
    as_assistant_message,
    tool_call,
)
from agent_rl.envs.core.registry import (
    ENTRY_POINT_GROUP,
    EnvEntry,
    list_envs,
    load_entry_points,
    make,
    register,
    register_env,
    registered_envs,
    unregister,
)
from agent_rl.envs.core.spaces import AssistantMessageSpace, MessagesSpace, is_message, is_tool_call
from agent_rl.envs.core.task import Task

__all__ = [
    "ENTRY_POINT_GROUP",
    "AgentEnv",
    "AssistantMessageSpace",
    "EnvEntry",
    "Message",
    "MessagesSpace",
    "StepOutcome",
    "Task",
    "ValidationReport",
    "as_assistant_message",
    "is_message",
    "is_tool_call",
    "list_envs",
    "load_entry_points",
    "make",
    "register",
    "register_env",
    "registered_envs",
    "tool_call",
    "unregister",
]
