"""evaluate() end to end on the real Math env, and the report files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from agent_rl.evals import EvalReport, evaluate, write_report

from agent_rl.rollout import Trajectory


@pytest.fixture(scope="module")
def chat_format() -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format("deepseek_v31")


def test_oracle_on_math_is_perfect(chat_format: Any, tmp_path: Path) -> None:
    report = evaluate("agent_rl/Math-v0", "oracle", n_tasks=6, k=2, chat_format=chat_format)
    assert isinstance(report, EvalReport)
    assert report.episodes == 12 and report.n_tasks == 6 and report.failed == 0
    assert report.mean_reward == 1.0 and report.success_rate == 1.0
    assert report.pass_at_k == {"pass@1": 1.0, "pass@2": 1.0}
    assert report.terminations == {"terminated": 12}
    paths = write_report(report, tmp_path / "eval")
    data = json.loads(paths["json"].read_text())
    assert data["mean_reward"] == 1.0 and len(data["tasks"]) == 6
    md = paths["markdown"].read_text()
    assert "pass@2 | 1.000" in md and "agent_rl/Math-v0" in md
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"


def traj(group: str, reward: float, termination: str = "terminated") -> Trajectory:
    return Trajectory(
        reward=reward, termination=termination, group=group, task_id=group, num_turns=1
    )


def test_failures_are_excluded_and_counted() -> None:
    trajs = [
        traj("a", 1.0),
        traj("a", 0.0),
        traj("a", 0.0, "infra_error"),
        traj("b", 0.0),
        traj("b", 0.0),
        traj("b", 1.0, "backend_error"),
        traj("c", 1.0),
        traj("c", 0.0, "env_error"),
        traj("c", 0.0, "step_timeout"),
    ]
    r = EvalReport.from_trajectories(trajs, env_id="e", policy="p", k=2, samples_per_task=3)
    assert r.episodes == 9 and r.failed == 4
    assert r.mean_reward == pytest.approx(2 / 5)
    assert r.terminations == {
        "terminated": 5,
        "step_timeout": 1,
        "env_error": 1,
        "backend_error": 1,
        "infra_error": 1,
    }
    # pass@2 over tasks a (n=2, c=1) and b (n=2, c=0); c has one good sample and is left out
    assert r.tasks_short_of_k == 1
    assert r.pass_at_k["pass@2"] == pytest.approx(0.5)
    assert r.pass_at_k["pass@1"] == pytest.approx((0.5 + 0.0 + 1.0) / 3)


def test_all_failed_gives_no_scores(tmp_path: Path) -> None:
    r = EvalReport.from_trajectories(
        [traj("a", 0.0, "backend_error")], env_id="e", policy="p", k=1, samples_per_task=1
    )
    assert r.mean_reward is None and r.pass_at_k == {"pass@1": None}
    paths = write_report(r, tmp_path)
    assert "png" not in paths and "n/a" in paths["markdown"].read_text()


def test_tasks_are_distinct_and_capped_by_the_source(chat_format: Any) -> None:
    # By seed, 33 episodes on the 33 sample tasks would repeat some tasks and skip others.
    from agent_rl.envs.math import load_tasks

    pool = {t.id for t in load_tasks()}
    report = evaluate("agent_rl/Math-v0", "oracle", n_tasks=len(pool) + 5, chat_format=chat_format)
    ids = [t.task_id for t in report.tasks]
    assert sorted(ids) == sorted(pool) and report.n_tasks == len(pool)
    assert report.config["task_selection"] == "distinct"
    again = evaluate("agent_rl/Math-v0", "oracle", n_tasks=5, seed=3, chat_format=chat_format)
    other = evaluate("agent_rl/Math-v0", "oracle", n_tasks=5, seed=4, chat_format=chat_format)
    same = evaluate("agent_rl/Math-v0", "oracle", n_tasks=5, seed=3, chat_format=chat_format)
    assert [t.task_id for t in again.tasks] == [t.task_id for t in same.tasks]
    assert {t.task_id for t in again.tasks} != {t.task_id for t in other.tasks}
