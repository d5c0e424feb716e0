"""The project's BFCL checker: BFCL's rules on hand-made cases, and agreement with bfcl-eval."""

from __future__ import annotations

import pytest
from agent_rl.evals.bfcl.checker import check_calls, check_entry, is_no_call, standardize

pytest.importorskip("bfcl_eval", reason="bfcl-eval is installed by scripts/setup.sh")

FN = {
    "name": "math.hypot",
    "parameters": {
        "type": "dict",
        "properties": {
            "x": {"type": "integer"},
            "y": {"type": "float"},
            "unit": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["x", "y"],
    },
}
ANSWER = [{"math.hypot": {"x": [3], "y": [4.0], "unit": ["cm", ""], "tags": [["A b"], ""]}}]


def test_standardize_drops_bfcl_punctuation_and_case() -> None:
    assert standardize("April 1, 2024") == standardize("april 1 2024") == "april12024"
    assert standardize("it's") == 'it"s'


def test_simple_rules() -> None:
    ok = [{"math.hypot": {"x": 3, "y": 4}}]  # int for float is allowed, optional left out
    assert check_calls([FN], ok, ANSWER, "simple_python").valid
    assert check_calls(
        [FN], [{"math.hypot": {"x": 3, "y": 4.0, "unit": "CM"}}], ANSWER, "simple_python"
    ).valid
    cases = {
        "simple_function_checker:missing_required": [{"math.hypot": {"x": 3}}],
        "type_error:simple": [{"math.hypot": {"x": "3", "y": 4.0}}],
        "value_error:others": [{"math.hypot": {"x": 5, "y": 4.0}}],
        "value_error:string": [{"math.hypot": {"x": 3, "y": 4.0, "unit": "mm"}}],
        "value_error:list/tuple": [{"math.hypot": {"x": 3, "y": 4.0, "tags": ["c"]}}],
        "simple_function_checker:unexpected_param": [{"math.hypot": {"x": 3, "y": 4.0, "z": 1}}],
        "simple_function_checker:wrong_func_name": [{"math_hypot": {"x": 3, "y": 4.0}}],
        "simple_function_checker:wrong_count": [],
    }
    for error_type, answer in cases.items():
        verdict = check_calls([FN], answer, ANSWER, "simple_python")
        assert (verdict.valid, verdict.error_type) == (False, error_type), answer
    assert (
        check_calls(
            [FN], [{"math.hypot": {"x": True, "y": 4.0}}], ANSWER, "simple_python"
        ).error_type
        == "type_error:simple"
    )  # bool is not int


def test_parallel_is_order_free_and_counts_calls() -> None:
    answer = [{"math.hypot": {"x": [1], "y": [1.0]}}, {"math.hypot": {"x": [2], "y": [2.0]}}]
    one, two = {"math.hypot": {"x": 1, "y": 1.0}}, {"math.hypot": {"x": 2, "y": 2.0}}
    assert check_calls([FN], [two, one], answer, "parallel").valid
    assert not check_calls([FN], [one, one], answer, "parallel").valid
    assert not check_calls([FN], [one], answer, "parallel").valid


def test_irrelevance_wants_no_call() -> None:
    assert is_no_call([]) and is_no_call([{}]) and is_no_call("text")
    assert check_entry("irrelevance", [FN], [], None).valid
    assert not check_entry("irrelevance", [FN], [{"math.hypot": {}}], None).valid
    assert check_entry("live_relevance", [FN], [{"math.hypot": {}}], None).valid


def test_agrees_with_bfcl_eval_on_truth_and_perturbations() -> None:
    from agent_rl.evals.bfcl.agreement import compare

    report = compare(limit=25)
    assert report.total > 1000
    assert report.disagreements == [], report.disagreements[:3]
    for case in (
        "reference",
        "wrong_value",
        "missing_required",
        "wrong_type",
        "extra_call",
        "missing_call",
        "wrong_function",
        "swapped_order",
        "made_call",
        "no_call",
    ):
        assert report.per_case[case]["cases"] > 0, case
    # the perturbations really are mostly wrong answers (the test can fail)
    assert report.total_agreed == report.total


def test_multi_turn_agrees_with_bfcl_eval() -> None:
    from agent_rl.evals.bfcl.agreement import compare_multi_turn

    report = compare_multi_turn(limit=6)
    assert report.total >= 100
    assert report.disagreements == [], report.disagreements[:3]
    assert report.per_case["missing_call"]["cases"] > 0


def test_known_bad_ground_truth_is_listed() -> None:
    from agent_rl.evals.bfcl.data import load_category
    from agent_rl.evals.bfcl.run import known_bad_ids

    assert known_bad_ids(load_category("simple_python")) == ["simple_python_200"]
