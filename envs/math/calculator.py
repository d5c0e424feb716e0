"""A calculator tool that evaluates arithmetic safely: an `ast` walk over numbers and
+ - * / // % ** with bounds, never `eval`.

Example:
    >>> calculate("347 * 829 + 12")
    '287675'
    >>> calculate("2 ^ 10")
    '1024'
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent_rl import pyast

if TYPE_CHECKING:
    from agent_rl.tools import Tool

MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 1000
MAX_DIGITS = 200

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _check_size(value: int | float) -> int | float:
    if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
        raise ValueError(f"result has more than {MAX_DIGITS} digits")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("result is not a finite number")
    return value


def _evaluate(node: ast.AST) -> int | float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _check_size(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ValueError(f"exponent {right} is larger than {MAX_EXPONENT}")
        if (
            isinstance(node.op, ast.Pow)
            and abs(left) > 1
            and abs(right) * math.log10(abs(left)) > MAX_DIGITS
        ):
            raise ValueError(f"result has more than {MAX_DIGITS} digits")
        try:
            return _check_size(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError:
            raise ValueError("division by zero") from None
        except OverflowError:
            raise ValueError("result is too large") from None
    raise ValueError(
        f"unsupported element {type(node).__name__!r}: use numbers, + - * / // % ** and ()"
    )


def format_number(value: int | float) -> str:
    """Integers exactly; floats with up to 12 significant digits (integral floats as ints)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)



def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression and return the result.

    Args:
        expression: numbers with + - * / // % ** (or ^) and parentheses, e.g. "(12 + 3) * 4".
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError("expression is empty")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression is longer than {MAX_EXPRESSION_CHARS} characters")
    text = _THOUSANDS.sub("", expression.strip())
    text = text.replace("^", "**").replace("×", "*").replace("÷", "/").replace("−", "-")
    try:
        tree = pyast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse {expression!r}: {exc.msg}") from None
    return format_number(_evaluate(tree))


def calculator_tool() -> Tool:
    """The `calculator` tool (a `agent_rl.tools.Tool` built from `calculate`)."""
    from agent_rl.tools import tool

    return tool(calculate, name="calculator")  # bounded work: no thread or timeout needed
