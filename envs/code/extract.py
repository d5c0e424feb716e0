"""Find the program in a model's reply.

The rule (documented for prompt writers and graders alike):

1. Fenced blocks are found with their language tag. Blocks tagged `python`, `py`, `python3` or
   `py3` are preferred; untagged blocks come next; blocks tagged with another language are
   ignored. A final block whose closing fence is missing (a reply cut by the token limit)
   counts as a block too, but any *closed* block of the same preference wins over it.
2. Among the preferred blocks, the **last** one that defines `entry_point` (when the task names
   one) is taken, else the last one. Models usually put the finished version last and
   sketches or usage examples earlier.
3. With no fence at all, the whole reply is taken when it compiles as Python (a base model or
   a bare-code policy); otherwise there is no code. Whatever the compiler raises on a reply
   (SyntaxError, but also MemoryError or RecursionError on `"1+" * 200000` or long prose) means
   "no code": a reply can cost the agent its reward, never raise out of the env.

Example:
    >>> extract_code("Here:\\n```python\\ndef f():\\n    return 1\\n```")
    'def f():\\n    return 1\\n'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_rl.pyast import PARSE_LOCK

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*\n", re.MULTILINE)
PYTHON_TAGS = frozenset({"python", "py", "python3", "py3"})


@dataclass(frozen=True)
class CodeBlock:
    language: str
    code: str
    closed: bool


def code_blocks(text: str) -> list[CodeBlock]:
    """All fenced blocks in order (the last one may be unclosed)."""
    blocks: list[CodeBlock] = []
    pos = 0
    while True:
        match = _FENCE.search(text, pos)
        if match is None:
            return blocks
        fence, language = match.group(1), match.group(2).lower()
        start = match.end()
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        end = closing.search(text, start)
        if end is None:
            blocks.append(CodeBlock(language, text[start:], closed=False))
            return blocks
        blocks.append(CodeBlock(language, text[start : end.start()], closed=True))
        pos = end.end()


def _defines(code: str, name: str) -> bool:
    # `[ \t]`, not `\s`: `^\s*` would rescan every run of blank lines from each line start.
    head = name.split(".")[0]
    pattern = rf"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+{re.escape(head)}\b"
    return re.search(pattern, code, re.M) is not None


def extract_code(text: str | None, entry_point: str | None = None) -> str | None:
    """The program in `text` according to the module's rule, or None when there is none."""
    if not text or not text.strip():
        return None
    blocks = code_blocks(text)
    if not blocks:
        try:
            with PARSE_LOCK:  # host-side parse: see agent_rl.pyast
                compile(text, "<reply>", "exec")
        except Exception:  # SyntaxError, ValueError, MemoryError, RecursionError, ...
            return None
        return text if text.endswith("\n") else text + "\n"
    for group in (
        [b for b in blocks if b.language in PYTHON_TAGS],
        [b for b in blocks if not b.language],
    ):
        if not group:
            continue
        closed = [b for b in group if b.closed and b.code.strip()] or [
            b for b in group if b.code.strip()
        ]
        if not closed:
            continue
        if entry_point:
            defining = [b for b in closed if _defines(b.code, entry_point)]
            if defining:
                return defining[-1].code
        return closed[-1].code
    return None
