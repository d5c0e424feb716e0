"""One function computes trajectory statistics; every report agrees with it.

The rule under test: failed episodes are counted, never averaged (mean reward, success, turns,
tokens, tool use exclude them).
"""

from __future__ import annotations

import pytest
from agent_rl.evals.evaluate import EvalReport

from agent_rl.rollout import RolloutSummary, Trajectory, trajectory_stats


def _traj(reward: float, turns: int, termination: str = "terminated", tool: bool = False):
    messages = [{"role": "user", "content": "q"}]
    if tool:
        messages.append(
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            }
        )
    return Trajectory(
        prompt_ids=[1, 2],
        response_ids=[3] * turns,
        loss_mask=[1] * turns,
        logprobs=[0.0] * turns,
        messages=messages,
        reward=reward,
        termination=termination,
        error="boom" if termination == "env_error" else None,
        num_turns=turns,
        group="g0",
    )


TRAJS = [
    _traj(1.0, 2, tool=True),
    _traj(0.0, 4),
    _traj(0.5, 3, "max_tokens", tool=True),
    _traj(0.0, 8, "env_error"),  # failed: must not count toward any mean
]


def test_failed_episodes_are_counted_not_averaged():
    s = trajectory_stats(TRAJS, success_threshold=1.0)
    assert (s.episodes, s.failed) == (4, 1)
    assert s.mean_reward == pytest.approx(0.5)
    assert s.success_rate == pytest.approx(1 / 3)
    assert s.mean_turns == pytest.approx(3.0), "the failed 8-turn episode is left out"
    assert s.mean_policy_tokens == pytest.approx(3.0)
    assert s.tool_use == pytest.approx(2 / 3)
    assert s.truncated == pytest.approx(1 / 3)
    assert s.terminations == {"terminated": 2, "max_tokens": 1, "env_error": 1}
    assert s.policy_tokens == 17 and s.errors == ["boom"]


def test_every_report_agrees_with_the_one_function():
    s = trajectory_stats(TRAJS)
    summary = RolloutSummary.of(TRAJS, elapsed_s=2.0)
    report = EvalReport.from_trajectories(TRAJS, env_id="e", policy="p", k=1, samples_per_task=4)
    for name in ("episodes", "failed", "mean_reward", "mean_turns", "terminations"):
        assert getattr(summary, name) == getattr(s, name), name
    for name in ("episodes", "failed", "mean_reward", "std_reward", "success_rate", "mean_turns"):
        assert getattr(report, name) == getattr(s, name), name
    assert report.tool_use == s.tool_use and report.mean_policy_tokens == s.mean_policy_tokens
    assert summary.tokens_per_s == pytest.approx(17 / 2.0)


def test_no_usable_episode_gives_none_not_zero():
    s = trajectory_stats([_traj(0.0, 1, "infra_error")])
    assert s.failed == 1
    assert s.mean_reward is None and s.mean_turns is None and s.success_rate is None
    assert trajectory_stats([]).episodes == 0
