import datetime as dt
import unittest

from dateranges.daterange import DateRange, merge_ranges, parse_range

D = dt.date


class TestDateRange(unittest.TestCase):
    def test_reversed_rejected(self):
        with self.assertRaises(ValueError):
            DateRange(D(2024, 1, 2), D(2024, 1, 1))

    def test_len(self):
        self.assertEqual(len(DateRange(D(2024, 1, 1), D(2024, 1, 11))), 10)

    def test_inclusive(self):
        self.assertEqual(len(DateRange.inclusive(D(2024, 1, 1), D(2024, 1, 1))), 1)

    def test_month(self):
        self.assertEqual(DateRange.month(2024, 2), DateRange(D(2024, 2, 1), D(2024, 3, 1)))

    def test_month_december(self):
        self.assertEqual(len(DateRange.month(2023, 12)), 31)

    def test_contains(self):
        r = DateRange(D(2024, 1, 1), D(2024, 1, 5))
        self.assertIn(D(2024, 1, 1), r)
        self.assertIn(D(2024, 1, 4), r)
        self.assertNotIn(D(2024, 1, 5), r)

    def test_iter(self):
        days = list(DateRange(D(2024, 2, 28), D(2024, 3, 2)))
        self.assertEqual(days, [D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)])

    def test_last(self):
        self.assertEqual(DateRange(D(2024, 1, 1), D(2024, 1, 5)).last, D(2024, 1, 4))

    def test_last_of_empty(self):
        with self.assertRaises(ValueError):
            DateRange(D(2024, 1, 1), D(2024, 1, 1)).last

    def test_overlaps(self):
        a = DateRange(D(2024, 1, 1), D(2024, 1, 10))
        self.assertTrue(a.overlaps(DateRange(D(2024, 1, 9), D(2024, 1, 20))))
        self.assertFalse(a.overlaps(DateRange(D(2024, 1, 10), D(2024, 1, 20))))

    def test_intersection(self):
        a = DateRange(D(2024, 1, 1), D(2024, 1, 10))
        b = DateRange(D(2024, 1, 5), D(2024, 1, 20))
        self.assertEqual(a.intersection(b), DateRange(D(2024, 1, 5), D(2024, 1, 10)))
        self.assertIsNone(a.intersection(DateRange(D(2024, 1, 10), D(2024, 1, 11))))

    def test_shift(self):
        r = DateRange(D(2024, 1, 30), D(2024, 2, 2)).shift(2)
        self.assertEqual(r, DateRange(D(2024, 2, 1), D(2024, 2, 4)))

    def test_extend(self):
        r = DateRange(D(2024, 1, 10), D(2024, 1, 12)).extend(before=2, after=1)
        self.assertEqual(r, DateRange(D(2024, 1, 8), D(2024, 1, 13)))

    def test_split_by_month(self):
        pieces = DateRange(D(2024, 1, 20), D(2024, 3, 5)).split_by_month()
        self.assertEqual(pieces, [DateRange(D(2024, 1, 20), D(2024, 2, 1)),
                                  DateRange(D(2024, 2, 1), D(2024, 3, 1)),
                                  DateRange(D(2024, 3, 1), D(2024, 3, 5))])

    def test_split_within_month(self):
        r = DateRange(D(2024, 5, 2), D(2024, 5, 9))
        self.assertEqual(r.split_by_month(), [r])

    def test_weeks(self):
        weeks = DateRange(D(2024, 1, 1), D(2024, 1, 17)).weeks()
        self.assertEqual([len(w) for w in weeks], [7, 7, 2])

    def test_every(self):
        r = DateRange(D(2024, 1, 1), D(2024, 1, 8))
        self.assertEqual(r.every(3), [D(2024, 1, 1), D(2024, 1, 4), D(2024, 1, 7)])

    def test_every_offset(self):
        r = DateRange(D(2024, 1, 1), D(2024, 1, 8))
        self.assertEqual(r.every(3, offset=1), [D(2024, 1, 2), D(2024, 1, 5)])

    def test_every_bad_step(self):
        with self.assertRaises(ValueError):
            DateRange(D(2024, 1, 1), D(2024, 1, 8)).every(0)


class TestParseMerge(unittest.TestCase):
    def test_parse_exclusive(self):
        self.assertEqual(parse_range("2024-01-01..2024-01-03"),
                         DateRange(D(2024, 1, 1), D(2024, 1, 3)))

    def test_parse_inclusive(self):
        self.assertEqual(parse_range("2024-01-01...2024-01-03"),
                         DateRange(D(2024, 1, 1), D(2024, 1, 4)))

    def test_parse_spaces(self):
        self.assertEqual(len(parse_range(" 2024-01-01 .. 2024-01-03 ")), 2)

    def test_parse_bad(self):
        with self.assertRaises(ValueError):
            parse_range("2024-01-01")

    def test_merge(self):
        merged = merge_ranges([DateRange(D(2024, 1, 5), D(2024, 1, 9)),
                               DateRange(D(2024, 1, 1), D(2024, 1, 6)),
                               DateRange(D(2024, 2, 1), D(2024, 2, 2))])
        self.assertEqual(merged, [DateRange(D(2024, 1, 1), D(2024, 1, 9)),
                                  DateRange(D(2024, 2, 1), D(2024, 2, 2))])

    def test_merge_adjacent(self):
        merged = merge_ranges([DateRange(D(2024, 1, 1), D(2024, 1, 3)),
                               DateRange(D(2024, 1, 3), D(2024, 1, 5))])
        self.assertEqual(merged, [DateRange(D(2024, 1, 1), D(2024, 1, 5))])

    def test_merge_skips_empty(self):
        self.assertEqual(merge_ranges([DateRange(D(2024, 1, 1), D(2024, 1, 1))]), [])


if __name__ == "__main__":
    unittest.main()
