"""`agent-rl envs new NAME`: a small working env and its test, to edit into your own.

The env file registers `local/<Name>-v0` when it is imported, so it runs without packaging:
`agent-rl envs check <name>.py:local/<Name>-v0`, `agent-rl train --env <name>.py:local/<Name>-v0`.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from agent_rl.errors import ConfigError

ENV_TEMPLATE = '''"""{camel}: one-turn questions with exact answers (made by `agent-rl envs new`; edit me)."""

from agent_rl import envs


def make_tasks() -> list[envs.Task]:
    """Your task source; here: 60 small sums."""
    pairs = [(a, b) for a in range(1, 11) for b in range(1, 7)]
    return [
        envs.Task(id=f"{snake}-{{a}}-{{b}}", prompt=f"What is {{a}} + {{b}}?", answer=str(a + b))
        for a, b in pairs
    ]


@envs.register_env("{env_id}")
class {camel}Env(envs.AgentEnv):
    """Answer a question in one reply: reward 1 for the exact answer, else 0."""

    def __init__(self, split: str = "train") -> None:
        tasks = envs.split_tasks(make_tasks(), split)  # a deterministic train/test split by prompt
        super().__init__(tasks, system_prompt="Reply with the answer only.")

    def finish(self, action: envs.Message) -> envs.StepOutcome:
        exact = float((action.get("content") or "").strip() == self.task.answer)
        return envs.StepOutcome(score=envs.Score(exact, {{"exact": exact}}), terminated=True)

    def reference_action(self) -> envs.Message:
        return {{"role": "assistant", "content": self.task.answer}}

    def wrong_action(self) -> envs.Message:
        return {{"role": "assistant", "content": self.task.answer + "0"}}
'''

TEST_TEMPLATE = '''"""Tests of {camel}Env (made by `agent-rl envs new`): `python -m pytest {test_name}`."""

from pathlib import Path

from gymnasium.utils.env_checker import check_env

from agent_rl import envs

ENV = f"{{Path(__file__).with_name('{file_name}')}}:{env_id}"


def test_gymnasium_checker_and_self_validation_pass():
    env = envs.make(ENV)
    check_env(env)
    report = env.validate(10)
    assert report.ok, report.summary()


def test_held_out_tasks_are_not_training_tasks():
    train = {{t.id for t in envs.make(ENV, split="train").tasks}}
    test = {{t.id for t in envs.make(ENV, split="test").tasks}}
    assert train and test and not train & test
'''


def names(name: str) -> tuple[str, str]:
    """(CamelCase, snake_case) of a user-given env name; rejects what cannot be a name."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    if not words or not words[0][0].isalpha():
        raise ConfigError(
            f"{name!r} is not a usable env name: start with a letter (e.g. Sums, word_count)",
            key="NAME",
        )
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    snake = "_".join(w.lower() for w in words)
    if keyword.iskeyword(snake):
        snake += "_env"
    return camel, snake


def write_scaffold(name: str, directory: Path, *, force: bool = False) -> tuple[Path, Path, str]:
    """Write `<snake>.py` and `test_<snake>.py` into `directory`; returns (env, test, env spec).

    Existing files are kept unless `force` (nothing is written when either exists).
    """
    camel, snake = names(name)
    env_id = f"local/{camel}-v0"
    env_path = directory / f"{snake}.py"
    test_path = directory / f"test_{snake}.py"
    if not force:
        for p in (env_path, test_path):
            if p.exists():
                raise ConfigError(f"{p} exists; pass --force to replace it", key="NAME")
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory", key="--dir")
    directory.mkdir(parents=True, exist_ok=True)
    fields = {
        "camel": camel,
        "snake": snake,
        "env_id": env_id,
        "file_name": env_path.name,
        "test_name": test_path.name,
    }
    env_path.write_text(ENV_TEMPLATE.format(**fields), encoding="utf-8")
    test_path.write_text(TEST_TEMPLATE.format(**fields), encoding="utf-8")
    return env_path, test_path, f"{env_path}:{env_id}"
