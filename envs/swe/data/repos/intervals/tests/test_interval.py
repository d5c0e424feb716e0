import unittest

from intervals.interval import Interval, gaps, merge_intervals


class TestInterval(unittest.TestCase):
    def test_rejects_reversed_bounds(self):
        with self.assertRaises(ValueError):
            Interval(5, 2)

    def test_empty_interval_allowed(self):
        self.assertTrue(Interval(3, 3).is_empty())
        self.assertFalse(Interval(3, 4).is_empty())

    def test_length(self):
        self.assertEqual(Interval(2, 9).length(), 7)
        self.assertEqual(Interval(4, 4).length(), 0)

    def test_contains_point_is_half_open(self):
        interval = Interval(1, 4)
        self.assertTrue(interval.contains_point(1))
        self.assertTrue(interval.contains_point(3))
        self.assertFalse(interval.contains_point(4))
        self.assertFalse(interval.contains_point(0))

    def test_contains_interval(self):
        self.assertTrue(Interval(0, 10).contains(Interval(2, 5)))
        self.assertTrue(Interval(0, 10).contains(Interval(0, 10)))
        self.assertFalse(Interval(0, 10).contains(Interval(5, 11)))
        self.assertFalse(Interval(2, 10).contains(Interval(1, 3)))

    def test_overlaps(self):
        self.assertTrue(Interval(0, 5).overlaps(Interval(4, 8)))
        self.assertTrue(Interval(4, 8).overlaps(Interval(0, 5)))
        self.assertFalse(Interval(0, 5).overlaps(Interval(5, 8)))
        self.assertFalse(Interval(6, 8).overlaps(Interval(0, 5)))

    def test_empty_never_overlaps(self):
        self.assertFalse(Interval(3, 3).overlaps(Interval(0, 10)))
        self.assertFalse(Interval(0, 10).overlaps(Interval(3, 3)))

    def test_touches(self):
        self.assertTrue(Interval(0, 5).touches(Interval(5, 7)))
        self.assertTrue(Interval(5, 7).touches(Interval(0, 5)))
        self.assertFalse(Interval(0, 5).touches(Interval(6, 7)))

    def test_intersection(self):
        self.assertEqual(Interval(0, 5).intersection(Interval(3, 9)), Interval(3, 5))
        self.assertIsNone(Interval(0, 5).intersection(Interval(5, 9)))
        self.assertIsNone(Interval(0, 2).intersection(Interval(7, 9)))

    def test_union(self):
        self.assertEqual(Interval(0, 5).union(Interval(3, 9)), Interval(0, 9))
        self.assertEqual(Interval(0, 5).union(Interval(5, 9)), Interval(0, 9))
        with self.assertRaises(ValueError):
            Interval(0, 2).union(Interval(4, 6))

    def test_shift_keeps_data(self):
        shifted = Interval(1, 3, "x").shift(10)
        self.assertEqual((shifted.start, shifted.end, shifted.data), (11, 13, "x"))

    def test_split_inside(self):
        self.assertEqual(Interval(0, 10).split(4), [Interval(0, 4), Interval(4, 10)])

    def test_split_at_edges_returns_whole(self):
        self.assertEqual(Interval(0, 10).split(0), [Interval(0, 10)])
        self.assertEqual(Interval(0, 10).split(10), [Interval(0, 10)])

    def test_ordering(self):
        self.assertLess(Interval(0, 5), Interval(1, 2))
        self.assertLess(Interval(0, 2), Interval(0, 5))


class TestMerge(unittest.TestCase):
    def test_merge_overlapping(self):
        merged = merge_intervals([Interval(5, 8), Interval(0, 3), Interval(2, 6)])
        self.assertEqual(merged, [Interval(0, 8)])

    def test_merge_touching_by_default(self):
        self.assertEqual(merge_intervals([Interval(0, 2), Interval(2, 4)]), [Interval(0, 4)])

    def test_merge_keeps_touching_apart_when_asked(self):
        merged = merge_intervals([Interval(0, 2), Interval(2, 4)], join_touching=False)
        self.assertEqual(merged, [Interval(0, 2), Interval(2, 4)])

    def test_merge_drops_empty(self):
        self.assertEqual(merge_intervals([Interval(1, 1), Interval(3, 5)]), [Interval(3, 5)])

    def test_merge_nested(self):
        self.assertEqual(merge_intervals([Interval(0, 10), Interval(2, 3)]), [Interval(0, 10)])

    def test_gaps(self):
        found = gaps([Interval(2, 4), Interval(6, 8)], 0, 10)
        self.assertEqual(found, [Interval(0, 2), Interval(4, 6), Interval(8, 10)])

    def test_gaps_fully_covered(self):
        self.assertEqual(gaps([Interval(0, 10)], 2, 8), [])

    def test_gaps_outside_bounds_ignored(self):
        self.assertEqual(gaps([Interval(20, 30)], 0, 5), [Interval(0, 5)])


if __name__ == "__main__":
    unittest.main()
