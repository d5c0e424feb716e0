import unittest

from textdiff.diff import Edit, count_changes, diff_lines, lcs_length, similarity


def ops(edits):
    return "".join(e.op for e in edits)


class TestLcs(unittest.TestCase):
    def test_identical(self):
        self.assertEqual(lcs_length(list("abc"), list("abc")), 3)

    def test_disjoint(self):
        self.assertEqual(lcs_length(list("abc"), list("xyz")), 0)

    def test_classic(self):
        self.assertEqual(lcs_length(list("ABCBDAB"), list("BDCABA")), 4)

    def test_empty(self):
        self.assertEqual(lcs_length([], list("abc")), 0)


class TestDiff(unittest.TestCase):
    def test_no_change(self):
        self.assertEqual(ops(diff_lines(["a", "b"], ["a", "b"])), "  ")

    def test_insert(self):
        edits = diff_lines(["a", "c"], ["a", "b", "c"])
        self.assertEqual(edits, [Edit(" ", "a", 0, 0), Edit("+", "b", 1, 1), Edit(" ", "c", 1, 2)])

    def test_delete(self):
        self.assertEqual(ops(diff_lines(["a", "b", "c"], ["a", "c"])), " - ")

    def test_replace_deletes_first(self):
        self.assertEqual(ops(diff_lines(["x"], ["y"])), "-+")

    def test_from_empty(self):
        self.assertEqual(ops(diff_lines([], ["a", "b"])), "++")

    def test_to_empty(self):
        self.assertEqual(ops(diff_lines(["a", "b"], [])), "--")

    def test_indices(self):
        edits = diff_lines(["a", "b"], ["b", "c"])
        removed = [e for e in edits if e.op == "-"][0]
        added = [e for e in edits if e.op == "+"][0]
        self.assertEqual((removed.old_index, added.new_index), (0, 1))

    def test_ignore_whitespace(self):
        self.assertEqual(ops(diff_lines(["a  "], ["  a"], ignore_whitespace=True)), " ")
        self.assertEqual(ops(diff_lines(["a  "], ["  a"])), "-+")

    def test_script_rebuilds_target(self):
        a = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
        b = ["the", "quick", "red", "fox", "leaps", "over", "the", "dog", "today"]
        edits = diff_lines(a, b)
        self.assertEqual([e.line for e in edits if e.op != "-"], b)
        self.assertEqual([e.line for e in edits if e.op != "+"], a)

    def test_count_changes(self):
        self.assertEqual(count_changes(diff_lines(["a", "b"], ["a", "c", "d"])), (2, 1))


class TestSimilarity(unittest.TestCase):
    def test_identical(self):
        self.assertEqual(similarity(["a"], ["a"]), 1.0)

    def test_empty(self):
        self.assertEqual(similarity([], []), 1.0)

    def test_half(self):
        self.assertAlmostEqual(similarity(["a", "b"], ["a", "c"]), 0.5)

    def test_disjoint(self):
        self.assertEqual(similarity(["a"], ["b"]), 0.0)


if __name__ == "__main__":
    unittest.main()
