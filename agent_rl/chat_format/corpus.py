"""Deterministic training text for the embedded tiny tokenizer.

No corpus can be downloaded here, so the project writes its own: arithmetic, math word
problems, JSON tool calls and tool schemas, short English and Chinese snippets and a little
Python. The mix follows what the tiny model sees in this project's envs, so common words and
JSON punctuation get their own merges while digits stay single characters (the pre-tokenizer
splits them).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

_NAMES = ["Tom", "Ana", "Li Wei", "Sara", "Omar", "Mia", "Ken", "Zoe", "Ivan", "Nia", "Raj", "Eva"]
_ITEMS = ["apples", "books", "marbles", "coins", "pencils", "cookies", "stickers", "eggs", "cards"]
_UNITS = ["dollars", "meters", "minutes", "hours", "liters", "kilograms", "points", "pages"]
_CITIES = ["Paris", "Tokyo", "Berlin", "Lima", "Cairo", "Oslo", "Beijing", "Shanghai", "Zürich"]

_ENGLISH = [
    "The answer is",
    "Let me think step by step.",
    "First, we compute the sum of the numbers.",
    "Therefore, the final answer is",
    "I will use the calculator tool to check the result.",
    "The function returns a list of results sorted by score.",
    "Please provide the city name and the unit.",
    "Here is the weather report for today.",
    "The search returned three documents about the topic.",
    "We need to find the value of x that satisfies the equation.",
    "Each box holds the same number of items, so we divide.",
    "The total cost is the price times the quantity.",
    "You are a helpful assistant.",
    "You are a careful math tutor. Put the final answer in \\boxed{}.",
    "Thanks! That is correct.",
    "Sorry, that tool call failed because an argument was missing.",
    "Write a Python function that returns the n-th Fibonacci number.",
    "The test passed and the output matches the expected value.",
    "Read the file, fix the bug and run the tests again.",
    "I am not sure, so I will search for more information.",
    "Who are you? I am an AI assistant.",
    "The probability of both events is the product of their probabilities.",
    "A rectangle has a length and a width; its area is length times width.",
    "Check the units before you add the quantities together.",
]

_CHINESE = [
    "你好，请问有什么可以帮你？",
    "我们先计算两个数的和。",
    "所以最终答案是",
    "今天北京的天气晴朗，气温二十度。",
    "请帮我查询上海明天的天气。",
    "这个问题需要一步一步地思考。",
    "小明有五个苹果，又买了三个，现在一共有多少个苹果？",
    "我将使用计算器工具来验证结果。",
    "函数返回一个按分数排序的列表。",
    "谢谢！答案是正确的。",
    "对不起，工具调用失败了，因为缺少一个参数。",
    "请用中文回答下面的问题。",
    "搜索结果显示了三篇相关的文章。",
    "长方形的面积等于长乘以宽。",
    "我是一个人工智能助手，由深度求索公司创造。",
    "先读文件，再修复错误，然后运行测试。",
]

_TOOLS = [
    (
        "calculator",
        "Evaluate an arithmetic expression and return the result.",
        {"expression": ("string", "The expression, e.g. 3 * (4 + 5)")},
    ),
    (
        "get_weather",
        "Get the current weather for a city.",
        {"city": ("string", "The city name"), "unit": ("string", "celsius or fahrenheit")},
    ),
    (
        "search",
        "Search the web and return the top results.",
        {"query": ("string", "The search query"), "num_results": ("integer", "How many results")},
    ),
    (
        "python",
        "Run Python code in a sandbox and return stdout.",
        {"code": ("string", "The code to run")},
    ),
    (
        "read_file",
        "Read a text file from the repository.",
        {"path": ("string", "Path relative to the repository root")},
    ),
    ("submit", "Submit the final answer.", {"answer": ("string", "The final answer")}),
]

_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "her",
    "she",
    "there",
    "one",
    "all",
    "we",
    "their",
    "can",
    "has",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "what",
    "up",
    "out",
    "about",
    "into",
    "than",
    "them",
    "only",
    "other",
    "time",
    "new",
    "some",
    "could",
    "these",
    "two",
    "may",
    "first",
    "then",
    "do",
    "any",
    "like",
    "my",
    "now",
    "over",
    "such",
    "our",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
    "number",
    "value",
    "result",
    "answer",
    "question",
    "problem",
    "step",
    "total",
    "price",
    "cost",
    "sum",
    "product",
    "difference",
    "equal",
    "equals",
    "greater",
    "less",
    "half",
    "double",
    "twice",
    "percent",
    "fraction",
    "ratio",
    "average",
    "remainder",
    "divide",
    "multiply",
    "add",
    "subtract",
    "square",
    "root",
    "area",
    "perimeter",
    "circle",
    "triangle",
    "angle",
    "line",
    "point",
    "length",
    "width",
    "height",
    "speed",
    "distance",
    "money",
    "store",
    "buy",
    "sell",
    "pay",
    "spend",
    "save",
    "earn",
    "each",
    "every",
    "week",
    "month",
    "hour",
    "minute",
    "function",
    "tool",
    "call",
    "arguments",
    "name",
    "description",
    "parameters",
    "type",
    "object",
    "string",
    "integer",
    "boolean",
    "array",
    "property",
    "required",
    "error",
    "output",
    "input",
    "file",
    "path",
    "code",
    "test",
    "run",
    "python",
    "list",
    "dict",
    "key",
    "return",
    "true",
    "false",
    "none",
    "null",
    "weather",
    "city",
    "temperature",
    "search",
    "query",
    "results",
    "document",
    "page",
    "user",
    "assistant",
    "system",
    "message",
    "content",
    "reasoning",
    "think",
    "because",
    "therefore",
    "thus",
    "hence",
    "so",
    "let",
    "suppose",
    "assume",
    "compute",
    "calculate",
    "check",
    "verify",
    "correct",
    "wrong",
    "final",
]

_PYTHON = [
    "def add(a, b):\n    return a + b\n",
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
    'import json\n\ndata = json.loads(text)\nprint(data["result"])\n',
    "for i in range(10):\n    if i % 2 == 0:\n        print(i)\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n        self.items.append(x)\n",
    "assert solve([1, 2, 3]) == 6\n",
    "def is_prime(n: int) -> bool:\n    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))\n",
]


def _number(rng: random.Random) -> int:
    return rng.choice([rng.randint(0, 9), rng.randint(10, 99), rng.randint(100, 9999)])


def _arithmetic(rng: random.Random) -> str:
    a, b = _number(rng), _number(rng)
    op = rng.choice(["+", "-", "*", "/"])
    if op == "/":
        b = b or 1
        a = a * b
    result = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[op]
    form = rng.randrange(4)
    if form == 0:
        return f"{a} {op} {b} = {result}"
    if form == 1:
        return f"What is {a} {op} {b}? The answer is \\boxed{{{result}}}."
    if form == 2:
        return f"Compute ({a} {op} {b}) + {b}.\n#### {result + b}"
    return f"{a}{op}{b}={result}"


def _word_problem(rng: random.Random) -> str:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    x, y = rng.randint(2, 60), rng.randint(2, 40)
    unit = rng.choice(_UNITS)
    forms = [
        f"{name} has {x} {item} and buys {y} more. How many {item} does {name} have now?\n"
        f"{name} has {x} + {y} = {x + y} {item}.\n#### {x + y}",
        f"A box holds {x} {item}. How many {item} are in {y} boxes? "
        f"{x} * {y} = {x * y}. The answer is \\boxed{{{x * y}}}.",
        f"{name} walks {x} {unit} every day for {y} days. In total: {x * y} {unit}.",
        f"If {name} gives away {min(x, y)} of {max(x, y)} {item}, "
        f"{max(x, y) - min(x, y)} {item} are left.",
    ]
    return rng.choice(forms)


def _tool_spec(name: str, desc: str, params: dict[str, tuple[str, str]]) -> dict:
    props = {k: {"type": t, "description": d} for k, (t, d) in params.items()}
    schema = {"type": "object", "properties": props, "required": list(params)}
    return {
        "type": "function",
        "function": {"name": name, "description": desc, "parameters": schema},
    }


def _tool_call(rng: random.Random) -> str:
    name, desc, params = rng.choice(_TOOLS)
    args: dict[str, object] = {}
    for key, (typ, _) in params.items():
        if typ == "integer":
            args[key] = rng.randint(1, 20)
        elif key == "expression":
            args[key] = _arithmetic(rng).split("=")[0].strip()
        elif key == "city":
            args[key] = rng.choice(_CITIES)
        else:
            args[key] = rng.choice(_ENGLISH + _CHINESE)
    ascii_only = rng.random() < 0.5
    form = rng.randrange(4)
    if form == 0:
        return json.dumps(args, ensure_ascii=ascii_only)
    if form == 1:
        return json.dumps({"name": name, "arguments": args}, ensure_ascii=ascii_only)
    if form == 2:
        return json.dumps(_tool_spec(name, desc, params))
    return json.dumps({"result": rng.randint(0, 999), "error": None, "ok": True})


def corpus_lines(n: int = 30000, seed: int = 0) -> Iterator[str]:
    """Yield `n` training lines; the same `(n, seed)` always gives the same text."""
    rng = random.Random(seed)
    makers = [
        (_arithmetic, 3),
        (_word_problem, 2),
        (_tool_call, 3),
        (lambda r: r.choice(_ENGLISH) + " " + r.choice(_ENGLISH), 2),
        (lambda r: r.choice(_CHINESE) + r.choice(_CHINESE), 1),
        (
            lambda r: (
                " ".join(r.choice(_WORDS) for _ in range(r.randint(4, 14))).capitalize() + "."
            ),
            3,
        ),
        (lambda r: r.choice(_PYTHON), 1),
    ]
    population = [m for m, w in makers for _ in range(w)]
    for _ in range(n):
        yield rng.choice(population)(rng)
