"""Conversations for the renderer tests: a named list and a seeded random generator."""

from __future__ import annotations

import json
import random
from typing import Any

Msg = dict[str, Any]


def call(name: str, args: Any, i: int = 0) -> dict[str, Any]:
    arguments = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    return {
        "id": f"call_{i}",
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def sys(c: str) -> Msg:
    return {"role": "system", "content": c}


def user(c: str) -> Msg:
    return {"role": "user", "content": c}


def asst(
    c: str | None = "", calls: list | None = None, reasoning: str | None = None, **kw: Any
) -> Msg:
    m: Msg = {"role": "assistant", "content": c}
    if calls is not None:
        m["tool_calls"] = calls
    if reasoning is not None:
        m["reasoning_content"] = reasoning
    m.update(kw)
    return m


def tool(c: str, cid: str = "call_0") -> Msg:
    return {"role": "tool", "content": c, "tool_call_id": cid}


WEATHER = call("get_weather", {"city": "Zürich", "unit": "c"})
SEARCH = call("search", {"query": 'café "best"', "filters": {"tags": ["a", "b"], "max": 3}}, 1)
CALC = call("calculator", {"expression": "3 * (4 + 5)"})
MULTILINE = call("python", '{\n  "code": "def f(x):\\n    return {\\"a\\": [x]}\\n"\n}')

CASES: list[tuple[str, list[Msg]]] = [
    ("single_user", [user("Hi")]),
    ("system_user", [sys("You are helpful."), user("Who are you?")]),
    ("plain_turns", [user("1+1?"), asst("2"), user("and 2+2?"), asst("4")]),
    ("system_middle", [user("a"), sys("Be brief."), asst("b"), user("c")]),
    ("system_end", [sys("S1"), user("a"), asst("b"), sys("S2")]),
    ("three_systems", [sys("one"), sys("two"), user("u"), sys("three"), asst("x")]),
    ("empty_system", [sys(""), user("u"), asst("x")]),
    (
        "reasoning_in_content",
        [user("Who are you?"), asst("<think>Hmm</think>I am DeepSeek"), user("1+1=?")],
    ),
    ("reasoning_field", [user("q"), asst("answer", reasoning="long thought"), user("next")]),
    ("reasoning_last", [user("q"), asst("answer", reasoning="because")]),
    ("call_no_content", [user("weather?"), asst(None, [WEATHER])]),
    ("call_empty_content", [user("weather?"), asst("", [WEATHER]), tool('{"temp": 20}')]),
    (
        "call_with_content",
        [user("weather?"), asst("Let me check.", [WEATHER]), tool("20C"), asst("It is 20C.")],
    ),
    (
        "parallel_calls",
        [
            user("w+s"),
            asst("", [WEATHER, SEARCH]),
            tool('{"temp": 20}'),
            tool("[]", "call_1"),
            asst("It is 20C."),
        ],
    ),
    (
        "sequential_calls",
        [
            user("q"),
            asst("", [CALC]),
            tool("27"),
            asst("", [WEATHER]),
            tool("sunny"),
            asst("27, sunny"),
        ],
    ),
    ("user_after_tools", [user("q"), asst("", [CALC]), tool("27"), user("thanks, and now?")]),
    ("user_after_tool_answer", [user("q"), asst("", [CALC]), tool("27"), asst("27"), user("more")]),
    ("tool_last", [user("q"), asst("", [CALC]), tool("27")]),
    ("multiline_args", [user("run"), asst("", [MULTILINE]), tool("ok\nline2"), asst("done")]),
    ("unicode", [sys("系统"), user("你好，北京天气？ 🌤"), asst("晴朗 ☀️"), user("谢谢")]),
    (
        "think_in_tool_turn",
        [user("q"), asst("<think>plan</think>calling", [CALC]), tool("27"), asst("27")],
    ),
    ("think_after_tool", [user("q"), asst("", [CALC]), tool("27"), asst("<think>x</think>27")]),
    ("assistant_first", [asst("Hello!"), user("hi")]),
    ("assistant_twice", [user("q"), asst("part 1"), asst("part 2")]),
    ("prefix_flag", [user("q"), asst("<think>r</think>a", prefix=True)]),
    ("newlines_everywhere", [sys("\nS\n"), user("\n\nq\n"), asst("\na\n\n"), user(" ")]),
    ("special_looking_text", [user("write <b>bold</b> and {{x}} and {% raw %}"), asst("ok {{y}}")]),
]


def _text(rng: random.Random) -> str:
    pieces = [
        "hello",
        "12 + 7 = 19",
        "你好",
        "Zürich",
        "\n",
        " ",
        '{"a": 1}',
        "x",
        "🙂",
        "\\boxed{3}",
        "",
    ]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))


def _args(rng: random.Random) -> str:
    value = {"q": _text(rng), "n": rng.randint(0, 99), "nested": {"list": [1, {"k": _text(rng)}]}}
    indent = rng.choice([None, 2])
    return json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=indent)


def random_conversation(rng: random.Random) -> list[Msg]:
    """A conversation the official template can express (non-empty call lists, string content)."""
    msgs: list[Msg] = []
    if rng.random() < 0.5:
        msgs.append(sys(_text(rng)))
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.15:
            msgs.append(sys(_text(rng)))
        msgs.append(user(_text(rng)))
        for _ in range(rng.randint(0, 3)):
            r = rng.random()
            if r < 0.4:
                n = rng.randint(1, 3)
                calls = [
                    call(rng.choice(["calc", "search", "get_weather"]), _args(rng), i)
                    for i in range(n)
                ]
                content = rng.choice([None, "", _text(rng), "<think>t</think>" + _text(rng)])
                msgs.append(asst(content, calls))
                for i in range(n):
                    msgs.append(tool(_text(rng), f"call_{i}"))
            else:
                content = rng.choice([_text(rng), "<think>" + _text(rng) + "</think>" + _text(rng)])
                reasoning = rng.choice([None, _text(rng) or "r"])
                msgs.append(asst(content, reasoning=reasoning))
                break
    if rng.random() < 0.3 and msgs[-1]["role"] != "user":
        msgs.append(user(_text(rng)))
    return msgs


def random_conversations(n: int, seed: int = 0) -> list[list[Msg]]:
    rng = random.Random(seed)
    return [random_conversation(rng) for _ in range(n)]
