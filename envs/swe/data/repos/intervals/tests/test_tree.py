import unittest

from intervals.interval import Interval
from intervals.tree import IntervalTree


def sample_tree():
    return IntervalTree(
        [Interval(0, 5), Interval(3, 9), Interval(10, 12), Interval(11, 20), Interval(15, 16)]
    )


class TestTree(unittest.TestCase):
    def test_len_ignores_empty(self):
        self.assertEqual(len(IntervalTree([Interval(1, 1), Interval(1, 2)])), 1)

    def test_iter_is_sorted(self):
        self.assertEqual(list(sample_tree())[0], Interval(0, 5))
        self.assertEqual(list(sample_tree())[-1], Interval(15, 16))

    def test_at_point(self):
        self.assertEqual(sample_tree().at(4), [Interval(0, 5), Interval(3, 9)])

    def test_at_end_is_exclusive(self):
        self.assertEqual(sample_tree().at(5), [Interval(3, 9)])

    def test_at_start_is_inclusive(self):
        self.assertEqual(sample_tree().at(10), [Interval(10, 12)])

    def test_at_nothing(self):
        self.assertEqual(sample_tree().at(9), [])
        self.assertEqual(sample_tree().at(-1), [])

    def test_at_matches_brute_force(self):
        tree = sample_tree()
        for point in range(-2, 23):
            expected = sorted(i for i in tree if i.contains_point(point))
            self.assertEqual(tree.at(point), expected, point)

    def test_overlapping(self):
        self.assertEqual(sample_tree().overlapping(8, 11), [Interval(3, 9), Interval(10, 12)])

    def test_overlapping_empty_query(self):
        self.assertEqual(sample_tree().overlapping(4, 4), [])

    def test_enveloped_by(self):
        self.assertEqual(sample_tree().enveloped_by(10, 20),
                         [Interval(10, 12), Interval(11, 20), Interval(15, 16)])

    def test_add_and_query(self):
        tree = sample_tree()
        self.assertTrue(tree.add(Interval(30, 40)))
        self.assertEqual(tree.at(35), [Interval(30, 40)])

    def test_add_empty_is_refused(self):
        tree = sample_tree()
        self.assertFalse(tree.add(Interval(7, 7)))
        self.assertEqual(len(tree), 5)

    def test_add_range_with_data(self):
        tree = IntervalTree()
        tree.add_range(1, 4, "a")
        self.assertEqual(tree.at(2)[0].data, "a")

    def test_remove(self):
        tree = sample_tree()
        tree.remove(Interval(0, 5))
        self.assertEqual(tree.at(4), [Interval(3, 9)])

    def test_remove_missing_raises(self):
        with self.assertRaises(KeyError):
            sample_tree().remove(Interval(100, 101))

    def test_discard(self):
        tree = sample_tree()
        self.assertTrue(tree.discard(Interval(10, 12)))
        self.assertFalse(tree.discard(Interval(10, 12)))

    def test_span(self):
        self.assertEqual(sample_tree().span(), Interval(0, 20))
        self.assertIsNone(IntervalTree().span())

    def test_total_covered(self):
        self.assertEqual(sample_tree().total_covered(), 19)

    def test_depth_is_logarithmic(self):
        tree = IntervalTree([Interval(i, i + 1) for i in range(64)])
        self.assertLessEqual(tree.depth(), 8)

    def test_chop_splits(self):
        tree = IntervalTree([Interval(0, 10, "d")])
        tree.chop(3, 5)
        self.assertEqual(list(tree), [Interval(0, 3, "d"), Interval(5, 10, "d")])

    def test_chop_removes_covered(self):
        tree = IntervalTree([Interval(3, 4), Interval(8, 12)])
        tree.chop(2, 6)
        self.assertEqual(list(tree), [Interval(8, 12)])

    def test_contains(self):
        self.assertIn(Interval(3, 9), sample_tree())
        self.assertNotIn(Interval(3, 8), sample_tree())


if __name__ == "__main__":
    unittest.main()
