"""One hierarchy of errors, so callers catch `AgentRLError` and the CLI prints one clear line."""

from __future__ import annotations


class AgentRLError(Exception):
    """Base class of every error agent-rl raises on purpose."""


class ConfigError(AgentRLError, ValueError):
    """An invalid option or config value; the message names the key and the allowed values."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        self.key = key
        super().__init__(f"{key}: {message}" if key else message)


class DataError(AgentRLError, ValueError):
    """Bad input data; the message names the file, the line and the key where known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.path, self.line, self.key = path, line, key
        where = ""
        if path is not None:
            where = f"{path}:{line}" if line is not None else str(path)
        if key is not None:
            where = f"{where} [{key}]" if where else f"[{key}]"
        super().__init__(f"{where}: {message}" if where else message)


class InfraError(AgentRLError, RuntimeError):
    """Infrastructure failed (verifier crash, sandbox down, server error): not the agent's fault."""


class UnknownEnvError(AgentRLError, KeyError):
    """An environment id that is not registered; the message lists close matches."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""
