"""Systematic wrong answers, made from the reference answer, for the agreement benchmark.

Each perturbation returns a new decoded answer (or None when it does not apply to this
entry): wrong value, missing required parameter, wrong type, extra call, missing call, wrong
function, swapped parallel order. Swapping the order must stay valid (order-free matching);
the others are usually, but not always, invalid (a "wrong" value may be acceptable too):
agreement, not invalidity, is what the benchmark measures.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Decoded = list[dict[str, Any]]


def _first_arg(calls: Decoded) -> tuple[int, str, str] | None:
    for i, call in enumerate(calls):
        ((name, args),) = call.items()
        if args:
            return i, name, next(iter(args))
    return None


def _other_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.5
    if isinstance(value, str):
        return value + " zz"
    if isinstance(value, list):
        return [*value, value[0]] if value else ["zz"]
    if isinstance(value, dict):
        return {**value, "zz_extra": "zz"}
    return "zz"


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 7
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return [value]
    return 0


def wrong_value(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    found = _first_arg(calls)
    if found is None:
        return None
    i, name, arg = found
    out = copy.deepcopy(calls)
    out[i][name][arg] = _other_value(out[i][name][arg])
    return out


def wrong_type(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    found = _first_arg(calls)
    if found is None:
        return None
    i, name, arg = found
    out = copy.deepcopy(calls)
    out[i][name][arg] = _other_type(out[i][name][arg])
    return out


def missing_required(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    required = {
        fn["name"]: list(fn.get("parameters", {}).get("required") or []) for fn in functions
    }
    for i, call in enumerate(calls):
        ((name, args),) = call.items()
        for param in required.get(name, []):
            if param in args:
                out = copy.deepcopy(calls)
                del out[i][name][param]
                return out
    return None


def extra_call(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    return [*copy.deepcopy(calls), copy.deepcopy(calls[0])] if calls else None


def missing_call(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    return copy.deepcopy(calls[:-1]) if calls else None


def wrong_function(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    if not calls:
        return None
    ((name, args),) = calls[0].items()
    others = [fn["name"] for fn in functions if fn["name"] != name]
    out = copy.deepcopy(calls)
    out[0] = {others[0] if others else f"{name}_wrong": copy.deepcopy(args)}
    return out


def swapped_order(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    if len(calls) < 2 or calls == calls[::-1]:
        return None
    return copy.deepcopy(calls[::-1])


def made_call(calls: Decoded, functions: Sequence[Mapping[str, Any]]) -> Decoded | None:
    """For (ir)relevance entries: a call to the first function with no arguments."""
    return [{functions[0]["name"]: {}}] if functions else None


PERTURBATIONS: dict[str, Callable[[Decoded, Sequence[Mapping[str, Any]]], Decoded | None]] = {
    "wrong_value": wrong_value,
    "missing_required": missing_required,
    "wrong_type": wrong_type,
    "extra_call": extra_call,
    "missing_call": missing_call,
    "wrong_function": wrong_function,
    "swapped_order": swapped_order,
}
