from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import gymnasium
import pytest
from agent_rl.envs.core.registry import load_entry_points

from agent_rl import envs
from agent_rl.errors import ConfigError, UnknownEnvError


class _TinyEnv(envs.AgentEnv):
    """A tiny env for registry tests."""

    def __init__(self, answer: str = "yes") -> None:
        super().__init__([envs.Task(id="t", prompt="say yes", answer=answer)])

    def finish(self, action: envs.Message) -> envs.StepOutcome:
        return envs.StepOutcome(
            reward=float(action["content"] == self.task.answer), terminated=True
        )


def test_builtins_are_registered_and_gymnasium_make_works() -> None:
    assert {"agent_rl/Math-v0", "agent_rl/Calculator-v0"} <= set(envs.list_envs())
    env = gymnasium.make("agent_rl/Math-v0")
    messages, info = env.reset(seed=0)
    assert messages[-1]["role"] == "user" and info["tools"] == []
    assert isinstance(env.unwrapped, envs.AgentEnv)
    assert env.unwrapped.spec.id == "agent_rl/Math-v0"


def test_register_builtin_envs_is_idempotent() -> None:
    before = dict(gymnasium.registry)
    envs.register_builtin_envs()
    envs.register_builtin_envs()
    assert dict(gymnasium.registry) == before


def test_register_call_kwargs_and_make() -> None:
    envs.register("tests/Tiny-v0", _TinyEnv, description="tiny", answer="ok")
    try:
        env = envs.make("tests/Tiny-v0")
        assert isinstance(env, _TinyEnv) and env.spec.id == "tests/Tiny-v0"
        env.reset(seed=0)
        assert env.step("ok")[1] == 1.0
        assert envs.make("tests/Tiny-v0", answer="no").tasks[0].answer == "no"
        assert envs.registered_envs()["tests/Tiny-v0"].resolved_description() == "tiny"
    finally:
        envs.unregister("tests/Tiny-v0")
    assert "tests/Tiny-v0" not in envs.list_envs()
    assert "tests/Tiny-v0" not in gymnasium.registry


def test_register_env_decorator_and_docstring_description() -> None:
    @envs.register_env("tests/Decorated-v1")
    class Decorated(_TinyEnv):
        """Decorated tiny env."""

    try:
        assert "tests/Decorated-v1" in envs.list_envs()
        assert isinstance(gymnasium.make("tests/Decorated-v1").unwrapped, Decorated)
        assert (
            envs.registered_envs()["tests/Decorated-v1"].resolved_description()
            == "Decorated tiny env."
        )
    finally:
        envs.unregister("tests/Decorated-v1")


def test_unknown_id_lists_close_matches() -> None:
    with pytest.raises(UnknownEnvError) as caught:
        envs.make("agent_rl/Mat-v0")
    assert "agent_rl/Math-v0" in str(caught.value)
    with pytest.raises(UnknownEnvError) as caught:
        envs.make("calculator")
    assert "Did you mean: agent_rl/Calculator-v0" in str(caught.value)


def test_bad_entry_point_string() -> None:
    with pytest.raises(ConfigError):
        envs.register("tests/Bad-v0", "no_colon_here")


def _write_plugin(root: Path, name: str, body: str) -> None:
    """An installed distribution in `root`: a module plus a dist-info with an entry point."""
    (root / f"{name}.py").write_text(textwrap.dedent(body))
    dist = root / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[agent_rl.envs]\n{name} = {name}:register\n")


def test_third_party_entry_point_is_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_plugin(
        tmp_path,
        "agentrl_demo_plugin",
        '''
        from agent_rl import envs
        class PluginEnv(envs.AgentEnv):
            """An env that a third-party package registers."""

            def __init__(self):
                super().__init__([envs.Task(id="p", prompt="hi", answer="hi")])

            def finish(self, action):
                return envs.StepOutcome(reward=1.0, terminated=True)

        def register():
            envs.register("demo/Plugin-v0", "agentrl_demo_plugin:PluginEnv")
        ''',
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert "agentrl_demo_plugin" not in sys.modules
        assert "demo/Plugin-v0" in envs.list_envs()  # found without importing it by hand
        env = envs.make("demo/Plugin-v0")
        assert type(env).__name__ == "PluginEnv"
    finally:
        envs.unregister("demo/Plugin-v0")
        sys.modules.pop("agentrl_demo_plugin", None)


def test_broken_plugin_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_plugin(
        tmp_path, "agentrl_broken_plugin", "def register():\n    raise RuntimeError('boom')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        errors = load_entry_points()
        assert any("boom" in e for e in errors.values())
        assert "agent_rl/Math-v0" in envs.list_envs()
    finally:
        sys.modules.pop("agentrl_broken_plugin", None)
