"""Sandboxes for untrusted code behind one protocol (`Sandbox.run(...) -> SandboxResult`).

Backends: `BwrapSandbox` (bubblewrap; the default on Linux) and `DockerSandbox` (docker SDK,
a locally built image). `get_sandbox("auto")` picks bubblewrap when it works here, else Docker.
`PythonSession` keeps one interpreter alive inside a sandbox for multi-turn tool use, and
`python_tool` exposes it to a model as a `run_python` tool.
"""

from __future__ import annotations

from typing import Any

from agent_rl.tools.sandbox.base import Limits, Sandbox, SandboxResult
from agent_rl.tools.sandbox.bwrap import BwrapSandbox

from agent_rl.errors import ConfigError, InfraError
from agent_rl.lazy import lazy_exports

__all__ = [
    "BACKENDS",
    "BwrapSandbox",
    "DockerSandbox",
    "Limits",
    "PythonSession",
    "Sandbox",
    "SandboxResult",
    "get_sandbox",
    "python_tool",
]

BACKENDS = ("bwrap", "docker", "auto")
_LAZY = {
    "DockerSandbox": "agent_rl.tools.sandbox.docker",
    "PythonSession": "agent_rl.tools.sandbox.session",
    "python_tool": "agent_rl.tools.sandbox.session",
}
_shared: dict[str, Sandbox] = {}


__getattr__ = lazy_exports(__name__, _LAZY)


def get_sandbox(backend: str = "auto", *, shared: bool = True, **kwargs: Any) -> Sandbox:
    """A sandbox of the named backend, checked to work here.

    Args:
        backend: "bwrap", "docker" or "auto" (bwrap if it works, else docker).
        shared: reuse one instance per backend in this process (keeps Docker's warm pool);
            ignored when `kwargs` are given.
        **kwargs: passed to the backend's constructor (limits, max_concurrency, ...).

    Raises:
        ConfigError: unknown backend name.
        InfraError: the backend cannot run here (the message says why).
    """
    if backend not in BACKENDS:
        raise ConfigError(f"unknown sandbox backend {backend!r}; choose from {BACKENDS}",
                          key="sandbox.backend")
    if backend == "auto":
        reasons = []
        for candidate in ("bwrap", "docker"):
            try:
                return get_sandbox(candidate, shared=shared, **kwargs)
            except InfraError as exc:
                reasons.append(str(exc))
        raise InfraError("no sandbox backend works here: " + "; ".join(reasons))
    if shared and not kwargs and backend in _shared:
        return _shared[backend]
    if backend == "bwrap":
        sandbox: Sandbox = BwrapSandbox(**kwargs)
    else:
        sandbox = __getattr__("DockerSandbox")(**kwargs)
    reason = sandbox.available()
    if reason is not None:
        sandbox.close()
        raise InfraError(f"{backend} sandbox unavailable: {reason}")
    if shared and not kwargs:
        _shared[backend] = sandbox
    return sandbox
