"""Shared fixtures: the shipped instances and a bubblewrap sandbox for grading."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from agent_rl.envs.swe.evaluate import DEFAULT_DATASET, TRAIN_DATASET
from agent_rl.envs.swe.instance import SWEInstance, load_instances


@pytest.fixture(scope="session")
def shipped() -> list[SWEInstance]:
    train, bad_train = load_instances(TRAIN_DATASET)
    test, bad_test = load_instances(DEFAULT_DATASET)
    assert not bad_train and not bad_test
    return train + test


@pytest.fixture(scope="session")
def held_out() -> list[SWEInstance]:
    return load_instances(DEFAULT_DATASET)[0]


@pytest.fixture(scope="session")
def sample(shipped: list[SWEInstance]) -> list[SWEInstance]:
    """One instance of each shipped repository."""
    seen: dict[str, SWEInstance] = {}
    for instance in shipped:
        seen.setdefault(instance.repo, instance)
    return list(seen.values())


@pytest.fixture(scope="session")
def bwrap() -> Iterator[Any]:
    from agent_rl.envs.swe.grading import sandbox_for

    from agent_rl.errors import InfraError

    try:
        box = sandbox_for("bwrap")
    except InfraError as exc:
        pytest.skip(f"bubblewrap unavailable here: {exc}")
    yield box


def docker_ready() -> str | None:
    """None when a Docker engine and the base image are there, else why not."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        from agent_rl.envs.swe.images import BASE_IMAGE

        client.images.get(BASE_IMAGE)
    except Exception as exc:
        return f"no Docker engine with the base image here: {exc}"
    return None
