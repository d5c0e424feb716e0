"""Docker: swebench's own run_evaluation on locally built images agrees with the bwrap grader;
an image that cannot build is reported for its instance; the Docker shell works."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from agent_rl.envs.swe.evaluate import evaluate

from .conftest import docker_ready

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def engine():
    reason = docker_ready()
    if reason:
        pytest.skip(reason)
    from agent_rl.envs.swe.images import ensure_env_image

    try:  # the SWE environment image: the base image + git and patch from Debian
        ensure_env_image()
    except Exception as exc:
        pytest.skip(f"the SWE environment image cannot be built here: {exc}")


def _perturbed(instance, kind: str) -> str:
    """Predictions of several kinds for one instance (gold, tests-only, not applying, a fix
    that breaks every PASS_TO_PASS test)."""
    if kind == "gold":
        return instance.patch
    if kind == "tests_only":
        return instance.test_patch
    lines = instance.patch.splitlines(keepends=True)
    if kind == "not_applying":
        at = next(k for k, line in enumerate(lines)
                  if line.startswith("-") and not line.startswith("---"))
        lines[at] = "-this line is not in the file\n"
        return "".join(lines)
    from agent_rl.envs.swe import gitops

    base = instance.base_tree()
    pkg = next(p for p in base if p.endswith("/__init__.py") and not p.startswith("tests/"))
    broken = dict(base)
    broken[pkg] = base[pkg] + "\nraise ImportError('broken on purpose')\n"
    return instance.patch + gitops.diff_trees(base, broken)


KINDS = ["gold", "tests_only", "not_applying", "breaks_p2p"]


def test_swebench_harness_end_to_end_matches_bwrap(held_out, tmp_path):
    from typer.testing import CliRunner

    from agent_rl.cli.main import app

    chosen = held_out[: len(KINDS)]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"instance_id": i.instance_id,
                                         "model_name_or_path": "ci",
                                         "model_patch": _perturbed(i, kind)}) + "\n"
                             for i, kind in zip(chosen, KINDS, strict=True)))
    out = tmp_path / "docker"
    run = CliRunner().invoke(app, ["eval", "swe-bench", "--predictions", str(preds),
                                   "--backend", "docker", "--workers", "2",
                                   "--out-dir", str(out)])
    assert run.exit_code == 0, run.output
    docker = json.loads((out / "report.json").read_text())
    local = evaluate(predictions_file=preds, backend="bwrap", out_dir=tmp_path / "bwrap")
    assert docker["infra_errors"] == 0, docker
    expected = {i.instance_id: kind == "gold" for i, kind in zip(chosen, KINDS, strict=True)}
    assert {k: v["resolved"] for k, v in docker["verdicts"].items()} == expected
    assert {k: v.resolved for k, v in local.verdicts.items()} == expected
    assert {k: v["status"] for k, v in docker["verdicts"].items()} == {
        k: v.status for k, v in local.verdicts.items()}
    for instance in chosen:
        iid = instance.instance_id
        if local.verdicts[iid].applied:
            assert docker["verdicts"][iid]["report"]["tests_status"] == \
                local.verdicts[iid].report["tests_status"]
    assert (out / "summary.md").is_file()
    # swebench's run report (None only when its container listing raced another process)
    assert docker["swebench_report"] is None or Path(docker["swebench_report"]).is_file()


def test_image_that_cannot_build_is_reported(held_out, tmp_path):
    from agent_rl.envs.swe.images import ensure_images

    broken = dataclasses.replace(held_out[2], base_commit="f" * 40,
                                 image="sweb.eval.x86_64.agent-rl__broken-1:latest")
    built = ensure_images([broken, held_out[0]])
    assert built[held_out[0].instance_id] is None
    assert built[broken.instance_id] and "base_commit" in built[broken.instance_id]


def test_eval_reports_an_image_that_cannot_build_and_goes_on(held_out, tmp_path):
    good = held_out[0].to_dict()
    broken = {**held_out[1].to_dict(), "instance_id": "agent-rl__broken-2",
              "image": "sweb.eval.x86_64.agent-rl__broken-2:latest",
              "environment": {"kind": "no_such_environment"}}
    dataset = tmp_path / "d.jsonl"
    dataset.write_text(json.dumps(good) + "\n" + json.dumps(broken) + "\n")
    result = evaluate(dataset, policy="oracle", backend="docker", out_dir=tmp_path / "r")
    assert result.verdicts[good["instance_id"]].resolved
    bad = result.verdicts["agent-rl__broken-2"]
    assert bad.status == "infra_error" and "no_such_environment" in bad.infra_error
    assert result.to_dict()["resolved_rate"] == 1.0  # infra failures are not scored 0
    assert "agent-rl__broken-2" in (tmp_path / "r" / "summary.md").read_text()


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


def test_docker_shell_output_flood_ends_at_the_cap():
    """A command that floods its output is cut at the shell's cap while it runs (the host never
    holds more than 16x the cap), not read whole into memory until its time limit."""
    from agent_rl.envs.swe.shell import DockerShell

    shell = DockerShell(warm=0)
    try:
        shell.take()
        flood = shell.run("yes flood", timeout=60)
        assert flood.output_truncated and not flood.timed_out
        assert len(flood.stdout.encode()) <= shell.limits.max_output_bytes + 200
        after = shell.run("echo still here")  # the episode's container goes on
        assert after.ok and after.stdout == "still here\n"
    finally:
        shell.close()
