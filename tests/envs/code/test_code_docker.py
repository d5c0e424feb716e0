"""The code env on the Docker backend (skipped, with the reason, where no engine runs)."""

from __future__ import annotations

import pytest

from envs.code import CodeEnv, CodeTask, evaluate_code


@pytest.mark.docker
def test_sample_tasks_validate_on_docker_warm_and_cold() -> None:
    from agent_rl.errors import InfraError
    from tools.sandbox import get_sandbox

    try:
        box = get_sandbox("docker", shared=False)
    except InfraError as exc:
        pytest.skip(f"no Docker engine here: {exc}")
    try:
        report = CodeEnv(sandbox=box).validate()
        assert report.ok, report.summary()
        task = CodeTask(id="t/d", prompt="d", entry_point="d", asserts=("assert d(2) == 4",))
        cold = evaluate_code(task, "def d(x):\n    return 2 * x\n", box, warm=False)
        assert cold.status == "passed"
    finally:
        box.close()
