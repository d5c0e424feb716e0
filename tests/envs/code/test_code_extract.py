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


# -- model output that must never raise (issue 11, item 4) ------------------------------------

HOSTILE_REPLIES = [
    "1+" * 200_000 + "1",  # RecursionError in the compiler
    "-" * 100_000 + "1",  # MemoryError (parser stack)
    "not " * 100_000 + "x",
    "a" + ".b" * 200_000,
    "(" * 5_000,
    "word " * 400_000,  # long prose
    "x = 1\0",  # null byte: ValueError
    "\udcff = 1",  # lone surrogate
]


def test_extraction_never_raises_on_pathological_replies() -> None:
    for text in HOSTILE_REPLIES:
        assert extract_code(text) is None, text[:40]
        assert extract_code(text, "f") is None, text[:40]


def test_entry_point_search_is_linear_in_blank_lines() -> None:
    """`^\\s*def` rescanned every blank line from each line start: 50,000 took a minute."""
    import time

    text = "```python\n" + "\n" * 200_000 + "def g():\n    return 1\n```"
    start = time.perf_counter()
    assert extract_code(text, "f") is not None
    assert time.perf_counter() - start < 5.0


def test_code_env_scores_a_pathological_reply_as_the_agents_zero(sandbox) -> None:
    from agent_rl.envs.code import CodeEnv

    env = CodeEnv(sandbox=sandbox, timeout=5.0)
    env.reset(options={"task": {"id": "t/add", "prompt": "Write add(a, b).",
                                "entry_point": "add", "asserts": ["assert add(1, 2) == 3"]}})
    _, reward, terminated, _, info = env.step({"role": "assistant", "content": "1+" * 200_000})
    assert reward == 0.0 and terminated
    assert not info.get("infra_error")
