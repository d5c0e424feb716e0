from __future__ import annotations

import json

import pytest
from agent_rl.envs.math import CalculatorEnv, MathEnv, calculate, generate_arithmetic_tasks
from agent_rl.envs.math.verify import Verifier


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("347 * 829 + 12", "287675"),
        ("(12 + 3) * 4", "60"),
        ("2 ^ 10", "1024"),
        ("-3 ** 2", "-9"),
        ("1/4", "0.25"),
        ("10 / 2", "5"),
        ("7 // 2 + 7 % 2", "4"),
        ("1,234 × 2", "2468"),
    ],
)
def test_calculate(expression: str, value: str) -> None:
    assert calculate(expression) == value


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('true')", "unsupported"),
        ("open('/etc/passwd')", "unsupported"),
        ("x + 1", "unsupported"),
        ("9 ** 9 ** 9", "exponent"),
        ("10 ** 999", "digits"),
        ("1 / 0", "division by zero"),
        ("(1 + 2", "cannot parse"),
        ("", "empty"),
        ("1+" * 200 + "1", "longer"),
        ("'a' * 3", "unsupported"),
    ],
)
def test_calculate_refuses(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calculate(expression)


def _call(expression: str, call_id: str = "c1") -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {
                    "name": "calculator",
                    "arguments": json.dumps({"expression": expression}),
                },
            }
        ],
    }


def test_math_env_calculator_multi_turn(verifier: Verifier) -> None:
    task = {"id": "t", "prompt": "What is 123 * 456?", "answer": "56088"}
    env = MathEnv(tasks=[task], calculator=True, verifier=verifier)
    assert env.max_turns == 4
    obs, info = env.reset(seed=0)
    assert [t["function"]["name"] for t in info["tools"]] == ["calculator"]
    assert "calculator" in obs[0]["content"]
    new, reward, terminated, truncated, _ = env.step(_call("123 * 456"))
    assert new == [{"role": "tool", "content": "56088", "tool_call_id": "c1", "name": "calculator"}]
    assert (reward, terminated, truncated) == (0.0, False, False)
    new, reward, terminated, _, info = env.step({"role": "assistant", "content": "\\boxed{56088}"})
    assert (new, reward, terminated) == ([], 1.0, True)
    assert MathEnv(tools=("calculator",)).tool_names == ("calculator",)
    assert MathEnv().tool_names == () and MathEnv().max_turns == 1


def test_tool_errors_are_shown_to_the_model(verifier: Verifier) -> None:
    env = CalculatorEnv(verifier=verifier)
    env.reset(seed=0)
    new, _reward, terminated, _, info = env.step(_call("1/0"))
    assert "division by zero" in new[0]["content"] and not terminated
    assert info["tool_errors"] == ["exception"]
    bad_json = _call("1")
    bad_json["tool_calls"][0]["function"]["arguments"] = "{not json"
    new, *_ = env.step(bad_json)
    assert new[0]["role"] == "tool" and new[0]["tool_call_id"] == "c1"


def test_calculator_env_reward_shaping_and_truncation(verifier: Verifier) -> None:
    env = CalculatorEnv(verifier=verifier)
    env.reset(seed=2)
    answer = env.task.answer
    # correct, without the tool: 0.9
    assert env.step(f"\\boxed{{{answer}}}")[1] == pytest.approx(0.9)
    # good call, then wrong answer: 0.1
    env.reset(seed=2)
    env.step(env.reference_action())
    _, reward, terminated, _, info = env.step("\\boxed{1}")
    assert reward == pytest.approx(0.1) and terminated and info["used_tool"]
    # only tool calls until max_turns: truncated with reward 0
    env.reset(seed=2)
    for turn in range(env.max_turns):
        _, reward, terminated, truncated, info = env.step(_call("1+1", f"c{turn}"))
    assert (reward, terminated, truncated) == (0.0, False, True)
    # plain 0/1 reward
    plain = CalculatorEnv(tool_bonus=0.0, verifier=verifier)
    plain.reset(seed=2)
    assert plain.step(f"\\boxed{{{plain.task.answer}}}")[1] == 1.0


def test_reference_agent_calls_the_tool_then_answers(verifier: Verifier) -> None:
    env = CalculatorEnv(verifier=verifier)
    env.reset(seed=4)
    first = env.reference_action()
    assert first["tool_calls"][0]["function"]["name"] == "calculator"
    new, *_ = env.step(first)
    second = env.reference_action()
    assert "tool_calls" not in second and new[0]["content"] in second["content"]
    assert env.step(second)[1] == 1.0


def test_generated_tasks_are_deterministic_and_multi_digit() -> None:
    tasks = generate_arithmetic_tasks(50, seed=1)
    assert tasks == generate_arithmetic_tasks(50, seed=1)
    assert tasks != generate_arithmetic_tasks(50, seed=2)
    for task in tasks:
        assert calculate(task.metadata["expression"]) == task.answer
        assert len(task.answer.lstrip("-")) >= 4
        assert len(task.prompt) < 60


def test_unreadable_tool_call_is_shown_to_the_model_and_the_episode_goes_on() -> None:
    """A parse error with no call recovered is feedback, not a final answer scored 0."""
    env = CalculatorEnv()
    env.reset(seed=0)
    bad = {"role": "assistant", "content": "", "parse_errors": ["stray <｜tool▁sep｜> marker"]}
    messages, reward, terminated, truncated, info = env.step(bad)
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert messages[0]["role"] == "user" and "stray" in messages[0]["content"]
    assert info["parse_errors"] == ["stray <｜tool▁sep｜> marker"]
    # The episode still ends with the reference answer.
    for _ in range(env.max_turns):
        _, reward, terminated, truncated, _ = env.step(env.reference_action())
        if terminated or truncated:
            break
    assert terminated and reward == 1.0


def test_parse_errors_on_the_last_turn_are_scored_as_a_final_answer() -> None:
    env = CalculatorEnv(max_turns=1)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(
        {"role": "assistant", "content": "", "parse_errors": ["broken"]}
    )
    assert terminated and reward == 0.0 and "parse_errors" not in info


def test_calculate_is_safe_from_many_threads() -> None:
    """Env resets run in worker threads; parsing must not trip CPython's AST state."""
    from concurrent.futures import ThreadPoolExecutor

    expressions = [f"({i} + 3) * {i % 7 + 1} - {i} // 2" for i in range(4000)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(calculate, expressions))
    assert results == [calculate(e) for e in expressions]


def test_fixed_style_tasks_have_one_width() -> None:
    tasks = generate_arithmetic_tasks(200, seed=3, style="fixed")
    assert {len(t.metadata["expression"]) for t in tasks} == {9}
    assert {len(t.answer) for t in tasks} == {4}
    assert all(t.answer == calculate(t.metadata["expression"]) for t in tasks)


def test_unknown_style_names_the_key() -> None:
    with pytest.raises(ValueError, match="style"):
        generate_arithmetic_tasks(3, style="wide")
