import unittest

from textdiff.unified import PatchError, apply_unified, unified_diff

OLD = [f"line {i}" for i in range(1, 21)]
NEW = OLD[:4] + ["changed 5"] + OLD[5:16] + ["inserted"] + OLD[16:]


class TestUnified(unittest.TestCase):
    def test_no_difference(self):
        self.assertEqual(unified_diff(OLD, OLD), [])

    def test_headers(self):
        diff = unified_diff(["a"], ["b"], "old.txt", "new.txt")
        self.assertEqual(diff[:2], ["--- old.txt", "+++ new.txt"])

    def test_single_change(self):
        self.assertEqual(unified_diff(["a"], ["b"]), ["--- a", "+++ b", "@@ -1 +1 @@", "-a", "+b"])

    def test_two_hunks(self):
        diff = unified_diff(OLD, NEW)
        hunks = [line for line in diff if line.startswith("@@")]
        self.assertEqual(hunks, ["@@ -2,7 +2,7 @@", "@@ -14,6 +14,7 @@"])

    def test_context_size(self):
        diff = unified_diff(OLD, NEW, context=1)
        self.assertEqual([line for line in diff if line.startswith("@@")],
                         ["@@ -4,3 +4,3 @@", "@@ -16,2 +16,3 @@"])

    def test_nearby_changes_share_hunk(self):
        new = list(OLD)
        new[3] = "x"
        new[6] = "y"
        diff = unified_diff(OLD, new)
        self.assertEqual(len([line for line in diff if line.startswith("@@")]), 1)

    def test_insert_into_empty(self):
        self.assertEqual(unified_diff([], ["a"])[2], "@@ -0,0 +1 @@")

    def test_delete_everything(self):
        self.assertEqual(unified_diff(["a", "b"], [])[2], "@@ -1,2 +0,0 @@")

    def test_context_lines_prefixed(self):
        diff = unified_diff(["a", "b", "c"], ["a", "B", "c"])
        self.assertEqual(diff[3:], [" a", "-b", "+B", " c"])


class TestApply(unittest.TestCase):
    def test_roundtrip(self):
        self.assertEqual(apply_unified(OLD, unified_diff(OLD, NEW)), NEW)

    def test_roundtrip_small_context(self):
        self.assertEqual(apply_unified(OLD, unified_diff(OLD, NEW, context=0)), NEW)

    def test_roundtrip_to_empty(self):
        self.assertEqual(apply_unified(["a", "b"], unified_diff(["a", "b"], [])), [])

    def test_roundtrip_from_empty(self):
        self.assertEqual(apply_unified([], unified_diff([], ["a", "b"])), ["a", "b"])

    def test_roundtrip_append(self):
        self.assertEqual(apply_unified(["a"], unified_diff(["a"], ["a", "b"])), ["a", "b"])

    def test_mismatch(self):
        diff = unified_diff(["a", "b"], ["a", "c"])
        with self.assertRaises(PatchError):
            apply_unified(["a", "x"], diff)

    def test_bad_header(self):
        with self.assertRaises(PatchError):
            apply_unified(["a"], ["@@ nonsense", "-a"])

    def test_bad_line(self):
        with self.assertRaises(PatchError):
            apply_unified(["a"], ["@@ -1 +1 @@", "?a"])

    def test_unchanged_tail_kept(self):
        diff = unified_diff(OLD, NEW, context=0)
        self.assertEqual(apply_unified(OLD, diff)[-1], "line 20")


if __name__ == "__main__":
    unittest.main()
