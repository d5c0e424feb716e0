"""The rule that finds the program in a reply (envs.code.extract)."""

from __future__ import annotations

from agent_rl.envs.code.extract import code_blocks, extract_code


def test_last_python_block_wins() -> None:
    text = "Sketch:\n```python\nx = 1\n```\nFinal:\n```python\ny = 2\n```\n"
    assert extract_code(text) == "y = 2\n"


def test_block_defining_the_entry_point_beats_a_later_usage_example() -> None:
    text = (
        "```python\ndef f(x):\n    return x + 1\n```\nUsage:\n```python\nprint(f(1))\n```"
    )
    assert extract_code(text, "f") == "def f(x):\n    return x + 1\n"
    assert extract_code(text) == "print(f(1))\n"


def test_class_entry_point_matches_the_class() -> None:
    text = "```python\nclass Solution:\n    def go(self):\n        return 1\n```\n```python\nSolution().go()\n```"
    assert extract_code(text, "Solution.go").startswith("class Solution")


def test_python_tags_beat_untagged_and_other_languages_are_ignored() -> None:
    text = "```\nplain = 1\n```\n```bash\nls\n```\n```py\ntagged = 1\n```\n```text\nz\n```"
    assert extract_code(text) == "tagged = 1\n"
    assert extract_code("```bash\nrm -rf /\n```") is None
    assert extract_code("```\nplain = 1\n```") == "plain = 1\n"


def test_unclosed_block_is_used_only_without_a_closed_one() -> None:
    assert extract_code("```python\ndef f():\n    return 1\n") == "def f():\n    return 1\n"
    text = "```python\nok = 1\n```\n```python\ncut = (\n"
    assert extract_code(text) == "ok = 1\n"
    assert code_blocks(text)[-1].closed is False


def test_bare_code_is_taken_only_when_it_compiles() -> None:
    assert extract_code("def f():\n    return 2") == "def f():\n    return 2\n"
    assert extract_code("I do not know.") is None
    assert extract_code("") is None
    assert extract_code(None) is None


def test_longer_fences_and_tildes() -> None:
    assert extract_code("````python\nx = '```'\n````") == "x = '```'\n"
    assert extract_code("~~~python\nx = 3\n~~~") == "x = 3\n"
