"""Reader of the bracketed Python-call syntax used by ToolACE and BFCL answers.

`[get_weather(city="Paris", days=3), Market Trends API(trend_type='MOST_ACTIVE')]` ->
`[("get_weather", {"city": "Paris", "days": 3}), ("Market Trends API", {...})]`.

Names may contain spaces, dots or slashes (ToolACE does that), so calls are split with a small
bracket/string-aware scanner; each argument list is parsed with `ast` as the keywords of a call
to a placeholder name, and values are read by a literal-only walker: nothing is evaluated.
"""

from __future__ import annotations

import ast
from typing import Any

from agent_rl.sft_data.readers._common import literal_from_ast

_OPEN = {"(": ")", "[": "]", "{": "}"}


def _split_calls(body: str) -> list[tuple[str, str]]:
    """`a(x=1), b c(y=[1,2])` -> [("a", "x=1"), ("b c", "y=[1,2]")]; raises ValueError."""
    calls: list[tuple[str, str]] = []
    i, n = 0, len(body)
    while i < n:
        while i < n and body[i] in " \t\r\n,":
            i += 1
        if i >= n:
            break
        paren = body.find("(", i)
        if paren < 0:
            raise ValueError(f"expected 'name(' at offset {i}: {body[i:i + 40]!r}")
        name = body[i:paren].strip()
        if not name or any(c in name for c in "[]{}\"'=,"):
            raise ValueError(f"bad function name {name!r}")
        stack = ["("]
        j = paren + 1
        quote: str | None = None
        while j < n and stack:
            c = body[j]
            if quote:
                if c == "\\":
                    j += 1
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c in _OPEN:
                stack.append(c)
            elif c in ")]}":
                if _OPEN[stack[-1]] != c:
                    raise ValueError(f"unbalanced {c!r} at offset {j}")
                stack.pop()
            j += 1
        if stack:
            raise ValueError("unterminated call (truncated?)")
        calls.append((name, body[paren + 1 : j - 1]))
        i = j
    return calls


def parse_call_args(args_text: str) -> dict[str, Any]:
    """`a=1, b="x"` -> {"a": 1, "b": "x"} (keywords only, literal values only)."""
    tree = ast.parse(f"_f({args_text})", mode="eval").body
    if not isinstance(tree, ast.Call):
        raise ValueError("not a call")
    if tree.args:
        raise ValueError("positional arguments are not allowed, only name=value")
    out: dict[str, Any] = {}
    for kw in tree.keywords:
        if kw.arg is None:
            raise ValueError("**kwargs is not allowed")
        out[kw.arg] = literal_from_ast(kw.value)
    return out


def looks_like_calls(text: str) -> bool:
    """Cheap test: a bracketed list whose first item looks like `name(`."""
    s = text.strip()
    return s.startswith("[") and s.endswith("]") and "(" in s.split(",", 1)[0]


def parse_bracket_calls(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse `[f(a=1), g(b="x")]` (brackets optional); raises ValueError on any malformation."""
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    calls = _split_calls(s)
    if not calls:
        raise ValueError("no calls")
    try:
        return [(name, parse_call_args(args)) for name, args in calls]
    except (SyntaxError, RecursionError) as exc:
        raise ValueError(f"bad argument syntax: {exc.msg if isinstance(exc, SyntaxError) else exc}") from None
