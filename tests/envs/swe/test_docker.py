"""Docker: swebench's own run_evaluation on locally built images agrees with the bwrap grader;
an image that cannot build is reported for its instance; the Docker shell works."""

from __future__ import annotations

import dataclasses
import json

import pytest
from agent_rl.envs.swe.evaluate import evaluate

from .conftest import docker_ready

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def engine():
    reason = docker_ready()
    if reason:
        pytest.skip(reason)


def test_swebench_harness_end_to_end_matches_bwrap(held_out, tmp_path):
    from typer.testing import CliRunner

    from agent_rl.cli.main import app

    chosen = held_out[:2]
    preds = tmp_path / "preds.jsonl"
    # one gold patch, one that only edits tests: resolved and not, on both backends
    preds.write_text("".join(json.dumps({"instance_id": i.instance_id,
                                         "model_name_or_path": "ci",
                                         "model_patch": i.patch if k == 0 else i.test_patch})
                             + "\n" for k, i in enumerate(chosen)))
    out = tmp_path / "docker"
    run = CliRunner().invoke(app, ["eval", "swe-bench", "--predictions", str(preds),
                                   "--backend", "docker", "--workers", "2",
                                   "--out-dir", str(out)])
    assert run.exit_code == 0, run.output
    docker = json.loads((out / "report.json").read_text())
    local = evaluate(predictions_file=preds, backend="bwrap", out_dir=tmp_path / "bwrap")
    assert docker["infra_errors"] == 0, docker
    assert {k: v["resolved"] for k, v in docker["verdicts"].items()} == {
        k: v.resolved for k, v in local.verdicts.items()} == {
        chosen[0].instance_id: True, chosen[1].instance_id: False}
    first = chosen[0].instance_id
    assert docker["verdicts"][first]["report"]["tests_status"] == \
        local.verdicts[first].report["tests_status"]
    assert docker["swebench_report"] and (out / "summary.md").is_file()


def test_image_that_cannot_build_is_reported(held_out, tmp_path):
    from agent_rl.envs.swe.images import ensure_images

    broken = dataclasses.replace(held_out[2], base_commit="f" * 40,
                                 image="sweb.eval.x86_64.agent-rl__broken-1:latest")
    built = ensure_images([broken, held_out[0]])
    assert built[held_out[0].instance_id] is None
    assert built[broken.instance_id] and "base_commit" in built[broken.instance_id]


def test_docker_shell_episode():
    from agent_rl.envs.swe.env import SWEEnv
    from agent_rl.envs.swe.images import ensure_env_image

    from agent_rl.messages import tool_call

    ensure_env_image()
    env = SWEEnv(split="test", n_tasks=1, backend="docker")
    try:
        report = env.validate()
        assert report.ok, report.summary()
        env.reset(options={"task": env.tasks[0]})
        out, *_ = env.step({"role": "assistant", "content": "", "tool_calls": [
            tool_call("bash", {"command": "id -u; git log --all --oneline | wc -l; "
                                          "python3 -c 'import socket; socket.create_connection("
                                          "(\"1.1.1.1\", 80), 2)'"}, "c1")]})
        text = out[0]["content"]
        assert "65534" in text and "\n1\n" in text and "Network is unreachable" in text
        assert env.shell().stats["warm"] >= 1
    finally:
        env.close()
