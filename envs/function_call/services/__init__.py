"""Simulated services of ToolWorld: each a small class whose methods are the tools."""

from agent_rl.envs.function_call.services.bank import Bank
from agent_rl.envs.function_call.services.base import Event, Service, ServiceError
from agent_rl.envs.function_call.services.calendar import Calendar
from agent_rl.envs.function_call.services.files import FileSystem
from agent_rl.envs.function_call.services.shop import Shop

SUITES: dict[str, type[Service]] = {
    "files": FileSystem,
    "calendar": Calendar,
    "bank": Bank,
    "shop": Shop,
}

__all__ = ["SUITES", "Bank", "Calendar", "Event", "FileSystem", "Service", "ServiceError", "Shop"]
