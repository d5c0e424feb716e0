"""Bug injection: each mutation kind on a small source, and test removal for the base."""

from __future__ import annotations

from agent_rl.envs.swe.mutate import KINDS, drop_tests, method_source, mutations

SOURCE = '''
def clamp(x, low=0, high=10, strict=True, sep=","):
    if x is None:
        raise ValueError("x")
    if x < low:
        return low
    elif x >= high:
        return high
    else:
        y = min(x, high) + 1 - 0
    return y if strict and x != 3 else max(low, y)
'''


def test_every_kind_finds_sites_and_each_mutant_compiles():
    found = mutations("m.py", SOURCE)
    kinds = {m.kind for m, _ in found}
    assert kinds == set(KINDS)
    for mutation, new in found:
        assert new != SOURCE
        compile(new, "m.py", "exec")
        assert mutation.line >= 2 and mutation.description


def test_specific_mutations():
    by_kind: dict[str, list[str]] = {}
    for mutation, new in mutations("m.py", SOURCE):
        by_kind.setdefault(mutation.kind, []).append(new)
    assert any("if x <= low:" in s for s in by_kind["flip_comparison"])
    assert any("x == 3" in s for s in by_kind["flip_comparison"])
    assert any("+ 2 - 0" in s for s in by_kind["off_by_one"])
    assert any("else:" not in s for s in by_kind["drop_branch"])
    assert any("min(high, x)" in s for s in by_kind["swap_arguments"])
    assert any("low=1" in s for s in by_kind["wrong_default"])
    assert any("strict=False" in s for s in by_kind["wrong_default"])
    assert any('sep=""' in s for s in by_kind["wrong_default"])
    assert any("raise ValueError" not in s for s in by_kind["remove_guard"])
    assert any("max(x, high)" in s for s in by_kind["swap_operator"])
    assert any("strict or x" in s for s in by_kind["swap_operator"])
    # libcst keeps everything else as written (comments, layout)
    assert all(s.count("\n") >= SOURCE.count("\n") - 3 for s in by_kind["off_by_one"])


TESTS = '''import unittest


class TestA(unittest.TestCase):
    def test_one(self):
        self.assertEqual(1, 1)

    def test_two(self):
        self.assertTrue(True)


class TestB(unittest.TestCase):
    def test_three(self):
        pass
'''


def test_drop_tests_and_test_source():
    new, removed = drop_tests(TESTS, {("TestA", "test_one"), ("TestB", "test_three")})
    assert removed == {("TestA", "test_one"), ("TestB", "test_three")}
    assert "test_one" not in new and "test_two" in new and "test_three" not in new
    compile(new, "t.py", "exec")  # the emptied class got a `pass`
    assert method_source(TESTS, "TestA", "test_one") == (
        "def test_one(self):\n    self.assertEqual(1, 1)")
    assert method_source(TESTS, "TestA", "missing") is None
