"""agent_rl/Code-v0 end to end on the real bubblewrap sandbox."""

from __future__ import annotations

import json
import warnings

import gymnasium
import pytest
from agent_rl.envs.code import CodeEnv, CodeTask, evaluate_code, io_cases
from gymnasium.utils.env_checker import check_env

from agent_rl import envs

ADD_TASK = {
    "id": "t/add",
    "prompt": "Write add(a, b).",
    "entry_point": "add",
    "asserts": ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(-1, 1) == 0",
                "assert add(5, 5) == 10"],
    "solution": "def add(a, b):\n    return a + b\n",
}


def reply(code: str) -> dict:
    return {"role": "assistant", "content": f"Here you go:\n```python\n{code}```"}


@pytest.fixture
def env(sandbox) -> CodeEnv:
    return CodeEnv(sandbox=sandbox, timeout=5.0)


def test_registered_and_made_through_gymnasium(sandbox) -> None:
    assert envs.code.ENV_ID in envs.list_envs()
    made = gymnasium.make("agent_rl/Code-v0", sandbox=sandbox).unwrapped
    assert isinstance(made, CodeEnv)
    assert len(made.tasks) == 7
    kinds = {CodeTask.from_task(t).kind for t in made.tasks}
    assert kinds == {"function", "stdio"}


def test_check_env_passes_without_warnings(sandbox) -> None:
    # check_env deep-copies the spec's kwargs, so the sandbox is named, not passed.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gymnasium.make("agent_rl/Code-v0", sandbox="bwrap").unwrapped)


def test_oracle_solves_every_sample_task_and_wrong_answers_fail(env: CodeEnv) -> None:
    report = env.validate()
    assert report.ok, report.summary()
    assert report.passed == len(env.tasks)


def test_reward_info_on_success(env: CodeEnv) -> None:
    obs, info = env.reset(options={"task": ADD_TASK})
    assert info["tools"] == [] and info["task_id"] == "t/add"
    assert "add" in obs[-1]["content"]
    _, reward, terminated, truncated, info = env.step(reply(ADD_TASK["solution"]))
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["status"] == "passed"
    assert (info["passed"], info["total"], info["pass_fraction"]) == (4, 4, 1.0)
    assert "infra_error" not in info


def test_partial_credit_is_reported_but_reward_stays_binary(env: CodeEnv) -> None:
    env.reset(options={"task": ADD_TASK})
    code = "def add(a, b):\n    return a + b if a != 2 else 0\n"
    _, reward, terminated, _, info = env.step(reply(code))
    assert reward == 0.0 and terminated
    assert (info["passed"], info["total"]) == (3, 4)
    assert info["pass_fraction"] == 0.75
    assert info["status"] == "failed" and info["error"].startswith("case 1")


def test_check_style_tests_count_each_top_level_assert(sandbox) -> None:
    task = CodeTask(
        id="t/check", prompt="inc", entry_point="inc",
        test=("def check(candidate):\n    assert True, 'not counted'\n"
              "    assert candidate(1) == 2\n    assert candidate(2) == 3\n"
              "    for x in range(3):\n        assert candidate(x) == x + 1\n"
              "    assert candidate(10) == 11\n"),
    )
    good = evaluate_code(task, "def inc(x):\n    return x + 1\n", sandbox)
    assert (good.status, good.passed, good.total) == ("passed", 3, 3)
    # Wrong on 10 only: the loop passes, the last counted assert fails.
    bad = evaluate_code(task, "def inc(x):\n    return x + 1 if x < 10 else 0\n", sandbox)
    assert (bad.status, bad.passed, bad.total) == ("failed", 2, 3)
    # Wrong inside the loop: the exception ends check(), so the rest count as failed.
    worse = evaluate_code(task, "def inc(x):\n    return x + 1 if x != 0 else 5\n", sandbox)
    assert (worse.passed, worse.total) == (2, 3)


def test_wrong_code_crash_and_no_code_all_fail(env: CodeEnv) -> None:
    for content, status in [
        (reply("def add(a, b):\n    return a - b\n")["content"], "failed"),
        (reply("def add(a, b):\n    raise ValueError('nope')\n")["content"], "failed"),
        (reply("import nonexistent_module_xyz\n")["content"], "import_error"),
        (reply("def add(a, b)\n    return a + b\n")["content"], "import_error"),
        ("I cannot solve this.", "no_code"),
    ]:
        env.reset(options={"task": ADD_TASK})
        _, reward, terminated, _, info = env.step(content)
        assert reward == 0.0 and terminated, content
        assert info["status"] == status, (content, info)
        assert "infra_error" not in info


def test_exit_zero_and_rigged_equality_do_not_pass(env: CodeEnv) -> None:
    hacks = [
        "import sys\nsys.exit(0)\n",
        "import os\nos._exit(0)\n",
        "def add(a, b):\n    import os\n    os._exit(0)\n",
        "def add(a, b):\n    import sys\n    print('@@' + 'x' * 32 + ' {\"case\": 0, \"ok\": true}')\n"
        "    sys.stdout.flush()\n    return None\n",
        "class Any:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Any()\n",
        "def add(a, b):\n    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n",
    ]
    for code in hacks:
        env.reset(options={"task": ADD_TASK})
        _, reward, _, _, info = env.step(reply(code))
        assert reward == 0.0, (code, info)
        assert info["passed"] == 0, (code, info)
        assert "infra_error" not in info, (code, info)


def test_timeout_is_a_failure_not_an_infra_error(sandbox) -> None:
    env = CodeEnv(sandbox=sandbox, timeout=1.5)
    env.reset(options={"task": ADD_TASK})
    code = "def add(a, b):\n    if a == 2:\n        while True:\n            pass\n    return a + b\n"
    _, reward, terminated, _, info = env.step(reply(code))
    assert reward == 0.0 and terminated
    assert info["status"] == "timeout"
    assert info["passed"] == 1  # the case before the hang was reported
    assert "infra_error" not in info
    stdio = CodeTask(id="t/loop", prompt="echo", io=io_cases([("1\n", "1\n"), ("2\n", "2\n")]))
    verdict = evaluate_code(stdio, "x = input()\nwhile x == '2':\n    pass\nprint(x)\n", sandbox,
                            timeout=1.5)
    assert (verdict.status, verdict.passed, verdict.infra_error) == ("timeout", 1, None)


def test_memory_hog_fails_without_infra_error(sandbox) -> None:
    env = CodeEnv(sandbox=sandbox, memory_mb=128)
    env.reset(options={"task": ADD_TASK})
    code = "def add(a, b):\n    x = bytearray(512 * 1024 * 1024)\n    return a + b\n"
    _, reward, _, _, info = env.step(reply(code))
    assert reward == 0.0 and info["passed"] == 0
    assert "infra_error" not in info


def test_sandbox_down_is_an_infra_error_not_a_zero() -> None:
    from agent_rl.tools.sandbox import BwrapSandbox

    broken = BwrapSandbox(bwrap="/nonexistent/bwrap")
    env = CodeEnv(sandbox=broken)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(env.reference_action())
    assert terminated and reward == 0.0
    assert "bubblewrap" in info["infra_error"]
    assert info["status"] == "infra_error"


def test_stdio_tasks_compare_on_the_host(sandbox) -> None:
    task = CodeTask(id="t/io", prompt="double", compare="tokens",
                    io=io_cases([("2\n", "4\n"), ("2.5\n", "5.0\n"), ("0\n", "0\n")]))
    good = evaluate_code(task, "x = float(input())\nprint(f'{2 * x:g}')\n", sandbox)
    assert (good.status, good.passed) == ("passed", 3)
    partial = evaluate_code(task, "x = float(input())\nprint(2 * x if x else 1)\n", sandbox)
    assert (partial.passed, partial.total, partial.fraction) == (2, 3, pytest.approx(2 / 3))
    crash = evaluate_code(task, "raise SystemExit(3)\n", sandbox)
    assert crash.passed == 0 and "exit code 3" in crash.cases[0]["error"]


def test_outputs_match_modes() -> None:
    from agent_rl.envs.code import outputs_match

    assert outputs_match("1 2\n3\n", "1 2 3", "tokens")
    assert outputs_match("0.3333333333", "0.333333333333", "tokens")
    assert not outputs_match("0.34", "0.33", "tokens")
    assert not outputs_match("nan", "nan0", "tokens")
    assert outputs_match("a  \nb\n\n", "a\nb", "lines")
    assert not outputs_match("a b\n", "a\nb\n", "lines")
    assert not outputs_match("x\n", "x", "exact")


def test_reset_accepts_task_rows_and_humaneval_kwarg(sandbox) -> None:
    env = gymnasium.make("agent_rl/Code-v0", dataset="humaneval", sandbox=sandbox).unwrapped
    assert len(env.tasks) == 164
    obs, info = env.reset(options={"task": env.tasks[0].to_dict()})
    assert info["task_id"] == "HumanEval/0"
    assert "has_close_elements" in obs[-1]["content"]
    _, reward, _, _, info = env.step(env.reference_action())
    assert reward == 1.0, info
    # A bare completion (HumanEval's own format) works because the prompt is the prefix.
    env.reset(options={"task": env.tasks[0].to_dict()})
    body = env.tasks[0].target.prefix
    assert body.rstrip().endswith('"""')
    completion = ("    return any(abs(a - b) < threshold for i, a in enumerate(numbers)"
                  " for b in numbers[i + 1:])\n")
    _, reward, _, _, _ = env.step(f"```python\n{completion}```")
    assert reward == 1.0


def test_multi_turn_run_python_then_answer(sandbox) -> None:
    env = CodeEnv(sandbox=sandbox, run_python=True, tasks=[ADD_TASK])
    _, info = env.reset(seed=0)
    assert [t["function"]["name"] for t in info["tools"]] == ["run_python"]
    call = {"id": "c1", "type": "function",
            "function": {"name": "run_python",
                         "arguments": json.dumps({"code": "def add(a, b):\n    return a + b\n"
                                                           "print(add(2, 3))\nz = 41"})}}
    new, reward, terminated, truncated, info = env.step(
        {"role": "assistant", "content": "", "tool_calls": [call]})
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert new[0]["role"] == "tool" and new[0]["tool_call_id"] == "c1"
    assert "5" in new[0]["content"]
    call2 = {**call, "id": "c2",
             "function": {"name": "run_python", "arguments": json.dumps({"code": "z + 1"})}}
    new, *_ = env.step({"role": "assistant", "content": "", "tool_calls": [call2]})
    assert "42" in new[0]["content"]  # state persists within the episode
    _, reward, terminated, _, info = env.step(reply(ADD_TASK["solution"]))
    assert reward == 1.0 and terminated and info["status"] == "passed"
    # A new episode starts with a fresh interpreter.
    env.reset(seed=0)
    new, *_ = env.step({"role": "assistant", "content": "", "tool_calls": [call2]})
    assert "NameError" in new[0]["content"]
    env.close()


def test_multi_turn_truncates_at_max_turns_and_validates(sandbox) -> None:
    env = CodeEnv(sandbox=sandbox, run_python=True, max_turns=2, tasks=[ADD_TASK])
    env.reset(seed=0)
    call = {"id": "c", "type": "function",
            "function": {"name": "run_python", "arguments": json.dumps({"code": "1"})}}
    env.step({"role": "assistant", "content": "", "tool_calls": [call]})
    _, reward, terminated, truncated, info = env.step(
        {"role": "assistant", "content": "", "tool_calls": [call]})
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert info["truncation"] == "max_turns"
    full = CodeEnv(sandbox=sandbox, run_python=True)
    report = full.validate(3)
    assert report.ok, report.summary()
    full.close()
    env.close()
