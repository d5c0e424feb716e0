"""Multi-turn BFCL: BFCL's own simulated API classes, run and graded by the project's code.

`APIWorld` builds one instance of each involved class (imported from bfcl-eval, never
copied), loads the entry's initial configuration into it and executes calls by method name,
turning results and exceptions into the strings bfcl-eval produces (a dict as JSON, anything
else `str()`, a failure as `Error during execution: ...`). Calls are structured
`(name, args, kwargs)`; ground truth call strings are parsed with `ast` (literals only, never
`eval`).

`check_multi_turn` applies bfcl-eval's `multi_turn_checker` rules: model and ground-truth
worlds advance turn by turn; a turn with ground truth must have at least one model call; after
it, every instance's public attributes must equal the ground truth's (state check), and every
ground-truth result of the turn must appear among the model's results so far, order-free
(response check). A turn without ground truth (the request cannot be served) is not checked.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_rl.evals.bfcl import upstream
from agent_rl.evals.bfcl.checker import Verdict

from agent_rl.errors import DataError
from agent_rl.pyast import parse as parse_python

FORBIDDEN = ("kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run")
"""Method names bfcl-eval refuses to execute."""


@dataclass(frozen=True)
class Call:
    """One function call: name, positional and keyword arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def to_string(self) -> str:
        """BFCL's decoded spelling `name(a=1,b='x')` (what its FC handlers produce)."""
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({','.join(parts)})"


def parse_call(text: str) -> Call:
    """`"mv(source='a', destination='b')"` -> Call; raises DataError on anything but a call of
    literals."""
    try:
        node = parse_python(text.strip(), mode="eval").body  # type: ignore[attr-defined]
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            raise ValueError("not a plain function call")
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
    except (SyntaxError, ValueError, TypeError) as exc:
        raise DataError(f"cannot read call {text!r}: {exc}") from exc
    return Call(node.func.id, args, kwargs)


def format_result(value: Any) -> str:
    """A result as bfcl-eval's executor writes it."""
    if type(value) is str:
        return value
    if type(value) is dict:
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


class APIWorld:
    """The simulated APIs of one BFCL entry, with state that persists across calls."""

    def __init__(
        self,
        involved_classes: Sequence[str],
        initial_config: Mapping[str, Any],
        *,
        long_context: bool = False,
    ) -> None:
        stateless = upstream.stateless_classes()
        self.instances: dict[str, Any] = {}
        self.methods: dict[str, Any] = {}
        for class_name in involved_classes:
            instance = upstream.api_class(class_name)()
            if class_name not in stateless:
                instance._load_scenario(
                    copy.deepcopy(dict(initial_config.get(class_name, {}))),
                    long_context=long_context,
                )
            self.instances[class_name] = instance
            for name, method in inspect.getmembers(instance, predicate=inspect.ismethod):
                if not name.startswith("_"):
                    self.methods[name] = method

    def execute(self, call: Call) -> str:
        """Run one call; never raises (errors come back as BFCL's error string)."""
        if call.name in FORBIDDEN:
            return f"Error during execution: Function call {call.name} is not allowed."
        method = self.methods.get(call.name)
        if method is None:
            return f"Error during execution: name '{call.name}' is not defined"
        try:
            # fresh copies: some methods mutate their arguments, and a call is data we keep
            args, kwargs = copy.deepcopy(call.args), copy.deepcopy(call.kwargs)
            return format_result(method(*args, **kwargs))
        except Exception as exc:
            return f"Error during execution: {exc}"

    def keyword_call(self, call: Call) -> Call:
        """The same call with positional arguments named (tool calls are JSON objects)."""
        if not call.args:
            return call
        method = self.methods.get(call.name)
        if method is None:
            raise DataError(f"ground truth calls unknown function {call.name!r}")
        names = list(inspect.signature(method).parameters)
        kwargs = dict(zip(names, call.args, strict=False))
        return Call(call.name, (), {**kwargs, **call.kwargs})

    def state(self) -> dict[str, dict[str, Any]]:
        """Public attributes per class (what the state check compares)."""
        return {
            name: {k: v for k, v in vars(obj).items() if not k.startswith("_")}
            for name, obj in self.instances.items()
        }


def _world(entry: Any) -> APIWorld:
    return APIWorld(entry.involved_classes, entry.initial_config, long_context=entry.long_context)


def _state_differences(model: APIWorld, truth: APIWorld) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for class_name, truth_obj in truth.instances.items():
        model_obj = model.instances[class_name]
        diff = [
            attr
            for attr in vars(truth_obj)
            if not attr.startswith("_") and getattr(model_obj, attr) != getattr(truth_obj, attr)
        ]
        if diff:
            out[class_name] = diff
    return out


def _missing(expected: list[str], got: list[str]) -> list[str]:
    pool = list(got)
    missing = []
    for item in expected:
        try:
            pool.remove(item)
        except ValueError:
            missing.append(item)
    return missing


def check_multi_turn(entry: Any, model_turns: Sequence[Sequence[Sequence[Call]]]) -> Verdict:
    """Grade a multi-turn answer: per turn, per step, the calls the model made.

    Steps without calls must already be left out (as bfcl-eval's decoder leaves them out).
    """
    truth_turns = [[parse_call(c) for c in turn] for turn in entry.possible_answer]
    if len(model_turns) != len(truth_turns):
        return Verdict(
            False,
            "multi_turn:force_terminated",
            (f"{len(model_turns)} model turns for {len(truth_turns)} turns",),
        )
    model_world, truth_world = _world(entry), _world(entry)
    all_model_results: list[str] = []
    for index, (steps, truth_calls) in enumerate(zip(model_turns, truth_turns, strict=True)):
        for step in steps:
            all_model_results.extend(model_world.execute(call) for call in step)
        truth_results = [truth_world.execute(call) for call in truth_calls]
        if not truth_calls:
            continue
        if not steps or (len(steps) == 1 and not steps[0]):
            return Verdict(
                False,
                "multi_turn:empty_turn_model_response",
                (f"no call in turn {index}",),
            )
        differences = _state_differences(model_world, truth_world)
        if differences:
            return Verdict(
                False,
                "multi_turn:instance_state_mismatch",
                (f"turn {index}: state differs in {differences}",),
            )
        missing = _missing(truth_results, all_model_results)
        if missing:
            return Verdict(
                False,
                "multi_turn:execution_response_mismatch",
                (f"turn {index}: results missing: {missing}",),
            )
    return Verdict(True)


_counter = iter(range(1 << 62))


def reference_multi_turn_verdict(
    entry: Any, model_turns: Sequence[Sequence[Sequence[Call]]]
) -> Verdict:
    """bfcl-eval's own `multi_turn_checker` on the same answer (for the agreement check).

    bfcl-eval caches API instances in its module globals under the model name and entry id;
    every call here uses a fresh model name and removes its instances afterwards.
    """
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils

    checker = upstream.multi_turn_checker()
    model_name = f"agentrl{next(_counter)}"
    decoded = [[[c.to_string() for c in step] for step in turn] for turn in model_turns]
    if len(decoded) != len(entry.possible_answer):
        return Verdict(False, "multi_turn:force_terminated")
    test_entry = {
        "id": entry.id,
        "initial_config": copy.deepcopy(entry.initial_config),
        "involved_classes": list(entry.involved_classes),
    }
    try:
        result = checker(
            decoded, copy.deepcopy(entry.possible_answer), test_entry, entry.category, model_name
        )
    except Exception as exc:
        return Verdict(False, "reference_error", (f"{type(exc).__name__}: {exc}",))
    finally:
        for key in [k for k in vars(multi_turn_utils) if k.startswith(model_name + "_")]:
            delattr(multi_turn_utils, key)
    return Verdict(bool(result["valid"]), "" if result["valid"] else result.get("error_type", ""))
