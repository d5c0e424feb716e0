"""Register agent envs under Gymnasium ids (`agent_rl/Math-v0`) and find third-party ones.

Every registration goes through `gymnasium.register`, so `gymnasium.make(id, **kwargs)` works
for anything registered here. On top of Gymnasium this module keeps:

- a record of which ids are agent envs (with a description) for `list_envs` and the CLI;
- discovery through the entry-point group `agent_rl.envs`: each entry is a zero-argument
  callable that registers envs; `make` and `list_envs` load them, so a third-party package
  only has to be installed;
- an `UnknownEnvError` with close matches for ids nobody registered.

Example:
    >>> import envs
    >>> env = envs.make("agent_rl/Math-v0")
    >>> "agent_rl/Math-v0" in envs.list_envs()
    True
"""

from __future__ import annotations

import difflib
import importlib
import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, TypeVar

import gymnasium
from gymnasium.envs.registration import registry as gym_registry

from agent_rl.errors import ConfigError, UnknownEnvError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "agent_rl.envs"
E = TypeVar("E")


@dataclass(frozen=True)
class EnvEntry:
    """What the registry knows about one agent env without importing it."""

    id: str
    entry_point: str | Callable[..., Any]
    description: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def entry_point_name(self) -> str:
        if isinstance(self.entry_point, str):
            return self.entry_point
        module = getattr(self.entry_point, "__module__", "?")
        return f"{module}:{getattr(self.entry_point, '__qualname__', repr(self.entry_point))}"

    def load(self) -> Callable[..., Any]:
        """Import the entry point (a class or factory)."""
        if not isinstance(self.entry_point, str):
            return self.entry_point
        module_name, _, attr = self.entry_point.partition(":")
        return getattr(importlib.import_module(module_name), attr)

    def resolved_description(self) -> str:
        """The given description, else the first docstring line of the entry point."""
        if self.description:
            return self.description
        doc = (self.load().__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


_entries: dict[str, EnvEntry] = {}
_lock = threading.Lock()
_loaded_plugins: set[str] = set()
_plugin_errors: dict[str, str] = {}


def register(
    id: str,
    entry_point: str | Callable[..., Any],
    *,
    description: str = "",
    nondeterministic: bool = False,
    **kwargs: Any,
) -> None:
    """Register an env under a Gymnasium id; `kwargs` become constructor defaults.

    Registering the same id with the same entry point and kwargs again is a no-op (so
    registration functions can run many times); different values replace the old entry with
    a warning, as Gymnasium does.

    Args:
        id: `[namespace/]Name-vN`, e.g. `agent_rl/Math-v0`.
        entry_point: `"package.module:Class"` (imported lazily) or a class / factory.
        description: one line for `agent-rl envs list` (default: the class docstring).
        nondeterministic: tell `check_env` not to compare two seeded runs.
    """
    if not isinstance(id, str) or not id:
        raise ConfigError(f"env id must be a non-empty string, got {id!r}", key="id")
    if isinstance(entry_point, str) and ":" not in entry_point:
        raise ConfigError(
            f"entry point {entry_point!r} of {id} must look like 'package.module:Name'",
            key="entry_point",
        )
    entry = EnvEntry(id=id, entry_point=entry_point, description=description, kwargs=dict(kwargs))
    with _lock:
        existing = gym_registry.get(id)
        if (
            _entries.get(id) == entry
            and existing is not None
            and existing.entry_point == entry_point
            and existing.kwargs == kwargs
        ):
            return
        if existing is not None:
            # As Gymnasium does: a second, different registration of one id wins, with a
            # warning (two plugins claiming an id is a bug worth seeing).
            old = _entries[id].entry_point_name if id in _entries else existing.entry_point
            warnings.warn(
                f"overriding env {id!r}: was {old}, now {entry.entry_point_name}", stacklevel=2
            )
            gym_registry.pop(id)
        gymnasium.register(
            id=id, entry_point=entry_point, nondeterministic=nondeterministic, kwargs=dict(kwargs)
        )
        _entries[id] = entry


def register_env(
    id: str, *, description: str = "", nondeterministic: bool = False, **kwargs: Any
) -> Callable[[E], E]:
    """Decorator form of `register` for a class (or factory) defined in place.

    Example:
        >>> @register_env("my/Echo-v0")          # doctest: +SKIP
        ... class EchoEnv(AgentEnv): ...
    """

    def decorate(entry_point: E) -> E:
        register(
            id,
            entry_point,  # type: ignore[arg-type]
            description=description,
            nondeterministic=nondeterministic,
            **kwargs,
        )
        return entry_point

    return decorate


def unregister(id: str) -> None:
    """Remove an env from agent-rl's and Gymnasium's registries (no error if absent)."""
    with _lock:
        _entries.pop(id, None)
        gym_registry.pop(id, None)


def load_entry_points(*, force: bool = False) -> dict[str, str]:
    """Run every `agent_rl.envs` entry point once; returns {entry name: error} for broken ones.

    A broken plugin is logged and skipped rather than breaking every other env.
    """
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        key = f"{ep.name}={ep.value}"
        if key in _loaded_plugins and not force:
            continue
        _loaded_plugins.add(key)
        try:
            ep.load()()
            _plugin_errors.pop(key, None)
        except Exception as exc:  # a third-party bug must not hide the other envs
            _plugin_errors[key] = f"{type(exc).__name__}: {exc}"
            logger.warning("env plugin %s failed to register: %s", key, exc)
    return dict(_plugin_errors)


def registered_envs() -> dict[str, EnvEntry]:
    """{id: EnvEntry} of every agent env, after loading the entry points."""
    load_entry_points()
    return dict(sorted(_entries.items()))


def list_envs() -> list[str]:
    """Sorted ids of every agent env (built-ins and installed plugins)."""
    return list(registered_envs())


def unknown_env_error(id: str) -> UnknownEnvError:
    """An error naming the id and the closest registered ids."""
    known = list(_entries) + [k for k in gym_registry if k not in _entries]
    close = difflib.get_close_matches(id, known, n=3, cutoff=0.5)
    if not close:  # also compare without namespace and version ("math" -> "agent_rl/Math-v0")
        bare = {k.split("/")[-1].rsplit("-v", 1)[0].lower(): k for k in _entries}
        stem = id.split("/")[-1].rsplit("-v", 1)[0].lower()
        close = [bare[m] for m in difflib.get_close_matches(stem, list(bare), n=3, cutoff=0.5)]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return UnknownEnvError(
        f"unknown env id {id!r}.{hint} Registered agent envs: {', '.join(sorted(_entries)) or 'none'}"
    )


def make(id: str, **kwargs: Any) -> Any:
    """Construct a registered env, loading plugins first; returns the unwrapped env.

    `gymnasium.make` wraps envs in Gymnasium's checker wrappers, which hide the agent-env
    methods (`areset`, `reference_action`, ...); this returns the env itself, with `.spec` set.

    `id` may also be `module.path:EnvId` or `path/to/file.py:EnvId` (see `resolve_env_id`).

    Raises:
        UnknownEnvError: `id` is not registered (the message lists close matches).
    """
    id = resolve_env_id(id)
    return gymnasium.make(id, disable_env_checker=True, **kwargs).unwrapped


def resolve_env_id(spec: str) -> str:
    """The registered id named by `spec`, importing a user's module or file first.

    `EnvId` is looked up as is (plugins loaded when needed). `module.path:EnvId` imports the
    module, and `path/to/file.py:EnvId` loads the file, before the lookup, as Gymnasium's
    `module:EnvId` does: the module registers its envs on import, no packaging needed.

    Raises:
        UnknownEnvError: the id is not registered after the import (close matches listed).
        ConfigError: the module or file cannot be found or fails to import.
    """
    if ":" in spec:
        source, _, env_id = spec.partition(":")
        if not source or not env_id:
            raise ConfigError(f"expected module:EnvId or file.py:EnvId, got {spec!r}", key="env")
        load_env_module(source)
    else:
        env_id = spec
    if env_id not in gym_registry:  # scanning installed packages costs ~10 ms: only when needed
        load_entry_points()
    if env_id not in gym_registry:
        raise unknown_env_error(env_id)
    return env_id


_user_modules: dict[str, Any] = {}


def load_env_module(source: str) -> Any:
    """Import `source` (a dotted module or a `.py` file) once per process; returns the module."""
    import importlib.util
    import sys
    from pathlib import Path

    if source in _user_modules:
        return _user_modules[source]
    path = Path(source)
    try:
        if source.endswith(".py") or path.is_file():
            if not path.is_file():
                raise ConfigError(f"{source}: no such file", key="env")
            resolved = path.resolve()
            name = "agent_rl_user_env_" + resolved.stem + f"_{abs(hash(str(resolved))):x}"
            spec = importlib.util.spec_from_file_location(name, resolved)
            if spec is None or spec.loader is None:
                raise ConfigError(f"{source}: cannot load it as a Python file", key="env")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        else:
            module = importlib.import_module(source)
    except ConfigError:
        raise
    except ModuleNotFoundError as exc:
        raise ConfigError(f"cannot import {source!r}: {exc}", key="env") from exc
    except Exception as exc:
        raise ConfigError(
            f"importing {source!r} failed: {type(exc).__name__}: {exc}", key="env"
        ) from exc
    _user_modules[source] = module
    return module
