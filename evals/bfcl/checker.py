"""The project's own BFCL call checker (Python AST categories), written to BFCL's rules.

A model answer is BFCL's decoded form: a list of calls, each `{"func_name": {"arg": value}}`.
A possible answer lists, per call, the acceptable values of each argument (`""` among them
marks the argument optional). The rules, as bfcl-eval's `ast_checker` applies them:

- simple categories: exactly one call, checked against the first function description;
  `multiple`: exactly one call, of the function the answer names; `parallel*`: as many calls
  as the answer, matched order-free (greedily, answer by answer, first unmatched call that
  passes: the same greedy order as BFCL, so verdicts agree even where greed is not optimal);
- a call must name the function, give every required parameter, no parameter outside the
  description or the answer, and every answer parameter not marked optional;
- types: JSON schema names mapped to Python (`integer` int, `float` float with ints allowed,
  `array`/`tuple` list with one level of item types checked, `dict` dict, `any` str); a value
  of the answer's own type is a "variable" and skips the value rules below;
- values: strings compared after BFCL's standardisation (drop spaces and `,./-_*^`,
  lowercase, `'` to `"`), lists element-wise after the same, dicts key by key (missing keys
  must be optional), lists of dicts position by position, anything else by `==`.

Irrelevance categories need no call at all; relevance needs at least one. Every verdict has
BFCL's `error_type` spelling, so disagreements with bfcl-eval are visible per type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
NESTED_TYPES = ("array", "tuple")
_STANDARDIZE = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class Verdict:
    """One checked answer: `valid`, BFCL's `error_type` ("" when valid) and readable errors."""

    valid: bool
    error_type: str = ""
    errors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "error_type": self.error_type, "errors": list(self.errors)}


VALID = Verdict(True)


class _Fail(Exception):
    """Internal: a failed check carrying its verdict (keeps the happy path allocation-free)."""

    def __init__(self, error_type: str, message: str) -> None:
        self.verdict = Verdict(False, error_type, (message,))


def standardize(text: str) -> str:
    """BFCL's string normalisation: no spaces or `,./-_*^`, lowercase, `'` as `"`."""
    return _STANDARDIZE.sub("", text).lower().replace("'", '"')


def _std(value: Any) -> Any:
    return standardize(value) if type(value) is str else value


def is_call_list(decoded: Any) -> bool:
    """BFCL's format check: a list of one-key dicts whose value is a dict of arguments."""
    if type(decoded) is not list:
        return False
    for item in decoded:
        if type(item) is not dict or len(item) != 1:
            return False
        if type(next(iter(item.values()))) is not dict:
            return False
    return True


def is_no_call(decoded: Any) -> bool:
    """BFCL's "empty output": anything that is not a call list, `[]`, or `[{}]`."""
    if not is_call_list(decoded):
        return True
    return len(decoded) == 0 or (len(decoded) == 1 and len(decoded[0]) == 0)


# ------------------------------------------------------------------------------- types
def _answer_type(options: Sequence[Any]) -> type | None:
    for option in options:
        if option != "":
            return type(option)
    return None


def _check_type(param: str, value: Any, options: Any, expected: type, nested: type | None) -> bool:
    """Raise on a type error; return True when the value is a "variable" (answer's own type)."""
    answer_type = _answer_type(options)
    is_variable = answer_type is not None and answer_type != expected
    nested_failed = False
    if type(value) == expected:  # noqa: E721 (exact types, as BFCL: bool is not int)
        if nested is None:
            return is_variable
        for option in options:
            if type(option) == list:  # noqa: E721
                ok = True
                for item in value:
                    try:
                        _check_type(param, item, option, nested, None)
                    except _Fail:
                        ok = False
                        break
                if ok:
                    return is_variable
            else:
                return is_variable
        nested_failed = True
    if answer_type is not None and type(value) == answer_type:  # noqa: E721
        if nested_failed:
            raise _Fail(
                "type_error:nested",
                f"nested type check failed for parameter {param!r}: {value!r}",
            )
        return True
    raise _Fail(
        "type_error:simple",
        f"incorrect type for parameter {param!r}: expected {expected.__name__}, "
        f"got {type(value).__name__} ({value!r})",
    )


# ------------------------------------------------------------------------------ values
def _check_string(param: str, value: str, options: Sequence[Any]) -> None:
    if standardize(value) not in [standardize(o) for o in options if type(o) is str]:
        raise _Fail(
            "value_error:string",
            f"invalid value for parameter {param!r}: {value!r}; expected one of {list(options)}",
        )


def _check_list(param: str, value: list, options: Sequence[Any]) -> None:
    got = [_std(v) for v in value]
    if got not in [[_std(x) for x in option] for option in options]:
        raise _Fail(
            "value_error:list/tuple",
            f"invalid value for parameter {param!r}: {value!r}; expected one of {list(options)}",
        )


def _dict_error(value: Mapping[str, Any], candidate: Any) -> tuple[str, str] | None:
    failure = None
    for key, item in value.items():
        if key not in candidate:
            failure = ("value_error:dict_key", f"unexpected dict key {key!r}")
            break
        if _std(item) not in [_std(o) for o in candidate[key]]:
            failure = ("value_error:dict_value", f"invalid value for dict key {key!r}: {item!r}")
            break
    for key, opts in candidate.items():
        if key not in value and "" not in opts:
            return ("value_error:dict_key", f"missing dict key {key!r}")
    return failure


def _check_dict(param: str, value: Mapping[str, Any], options: Sequence[Any]) -> None:
    failure = ("dict_checker:unclear", f"no acceptable value for parameter {param!r}")
    for candidate in options:
        if candidate == "":
            continue
        failure = _dict_error(value, candidate)
        if failure is None:
            return
    raise _Fail(failure[0], f"parameter {param!r}: {failure[1]}")


def _check_list_of_dicts(param: str, value: list, options: Sequence[Any]) -> None:
    failure = ("list_dict_checker:unclear", f"no acceptable value for parameter {param!r}")
    for candidate in options:
        if len(value) != len(candidate):
            failure = ("value_error:list_dict_count", "wrong number of dictionaries in the list")
            continue
        for item, expected in zip(value, candidate, strict=True):
            try:
                _check_dict(param, item, [expected])
            except _Fail as exc:
                failure = (exc.verdict.error_type, exc.verdict.errors[0])
                break
        else:
            return
    raise _Fail(failure[0], f"parameter {param!r}: {failure[1]}")


# ------------------------------------------------------------------------------- calls
def check_call(
    description: Mapping[str, Any], call: Mapping[str, Any], answer: Mapping[str, Any]
) -> Verdict:
    """One decoded call against one answer item `{"name": {"arg": [acceptable values]}}`."""
    try:
        _check_call(description, call, answer)
    except _Fail as exc:
        return exc.verdict
    return VALID


def _check_call(
    description: Mapping[str, Any], call: Mapping[str, Any], answer: Mapping[str, Any]
) -> None:
    expected = next(iter(answer.values()))
    name = description["name"]
    params = description["parameters"]
    properties = params["properties"]
    if name not in call:
        raise _Fail(
            "simple_function_checker:wrong_func_name", f"function {name!r} not in the answer"
        )
    arguments = call[name]
    for param in params["required"]:
        if param not in arguments:
            raise _Fail(
                "simple_function_checker:missing_required",
                f"missing required parameter {param!r}",
            )
    for param, value in arguments.items():
        if param not in properties or param not in expected:
            raise _Fail(
                "simple_function_checker:unexpected_param", f"unexpected parameter {param!r}"
            )
        options = expected[param]
        type_name = properties[param]["type"]
        python_type = PYTHON_TYPES[type_name]
        nested = (
            PYTHON_TYPES[properties[param]["items"]["type"]] if type_name in NESTED_TYPES else None
        )
        if type_name == "float" and type(value) is int:
            value = float(value)  # Python's int -> float promotion, as BFCL allows
        if not _check_type(param, value, options, python_type, nested):
            if python_type is dict:
                _check_dict(param, value, options)
                continue
            if python_type is list and nested is dict:
                _check_list_of_dicts(param, value, options)
                continue
            if python_type is str:
                _check_string(param, value, options)
                continue
            if python_type is list:
                _check_list(param, value, options)
                continue
        if value not in options:
            raise _Fail(
                "value_error:others",
                f"invalid value for parameter {param!r}: {value!r}; expected one of {options}",
            )
    for param, options in expected.items():
        if param not in arguments and "" not in options:
            raise _Fail(
                "simple_function_checker:missing_optional",
                f"parameter {param!r} not given and not optional",
            )


def _description(functions: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any]:
    for fn in functions:
        if fn["name"] == name:
            return fn
    raise _Fail(
        "checker:answer_function_not_described",
        f"the possible answer names {name!r}, which no function description has",
    )


def check_calls(
    functions: Sequence[Mapping[str, Any]],
    decoded: Sequence[Mapping[str, Any]],
    possible_answer: Sequence[Mapping[str, Any]],
    category: str,
) -> Verdict:
    """A whole decoded answer for one AST entry of `category` (BFCL's dispatch by name)."""
    try:
        if "parallel" in category:
            return _check_parallel(functions, decoded, possible_answer)
        if "multiple" in category:
            if len(decoded) != len(possible_answer):
                return Verdict(False, "multiple_function_checker:wrong_count", ("wrong count",))
            name = next(iter(possible_answer[0]))
            return check_call(_description(functions, name), decoded[0], possible_answer[0])
        if len(decoded) != 1:
            return Verdict(False, "simple_function_checker:wrong_count", ("wrong count",))
        return check_call(functions[0], decoded[0], possible_answer[0])
    except _Fail as exc:
        return exc.verdict


def _check_parallel(
    functions: Sequence[Mapping[str, Any]],
    decoded: Sequence[Mapping[str, Any]],
    possible_answer: Sequence[Mapping[str, Any]],
) -> Verdict:
    if len(decoded) != len(possible_answer):
        return Verdict(
            False, "parallel_function_checker_no_order:wrong_count", ("wrong number of calls",)
        )
    matched: set[int] = set()
    for i, answer in enumerate(possible_answer):
        description = _description(functions, next(iter(answer)))
        errors = []
        for index, call in enumerate(decoded):
            if index in matched:
                continue
            verdict = check_call(description, call, answer)
            if verdict.valid:
                matched.add(index)
                break
            errors.append(f"call {index}: {verdict.errors[0]}")
        else:
            return Verdict(
                False,
                "parallel_function_checker_no_order:cannot_find_match",
                (f"no call matches answer {i}", *errors),
            )
    return VALID


def check_entry(
    category: str,
    functions: Sequence[Mapping[str, Any]],
    decoded: Any,
    possible_answer: Sequence[Mapping[str, Any]] | None,
) -> Verdict:
    """Grade a decoded answer for any single-turn category (AST, relevance, irrelevance)."""
    if "irrelevance" in category:
        if is_no_call(decoded):
            return VALID
        return Verdict(False, "irrelevance_error:decoder_success", ("made a call",))
    if "relevance" in category:
        if is_no_call(decoded):
            return Verdict(False, "relevance_error:decoder_failed", ("made no call",))
        return VALID
    if not is_call_list(decoded):
        return Verdict(False, "ast_decoder:decoder_wrong_output_format", ("not a list of calls",))
    if possible_answer is None:
        return Verdict(False, "checker:no_possible_answer", ("no possible answer",))
    return check_calls(functions, decoded, possible_answer, category)
