import datetime as dt
import unittest

from dateranges.calendar import (
    add_business_days,
    add_months,
    business_days,
    days_in_month,
    is_leap,
    is_weekend,
    month_end,
)

D = dt.date


class TestCalendar(unittest.TestCase):
    def test_leap_years(self):
        self.assertTrue(is_leap(2024))
        self.assertFalse(is_leap(2023))
        self.assertFalse(is_leap(1900))
        self.assertTrue(is_leap(2000))

    def test_days_in_month(self):
        self.assertEqual(days_in_month(2024, 2), 29)
        self.assertEqual(days_in_month(2023, 2), 28)
        self.assertEqual(days_in_month(2023, 4), 30)
        self.assertEqual(days_in_month(2023, 12), 31)

    def test_month_end(self):
        self.assertEqual(month_end(D(2024, 2, 10)), D(2024, 2, 29))

    def test_add_months_clamps(self):
        self.assertEqual(add_months(D(2024, 1, 31), 1), D(2024, 2, 29))

    def test_add_months_over_year(self):
        self.assertEqual(add_months(D(2023, 11, 15), 3), D(2024, 2, 15))

    def test_add_months_backwards(self):
        self.assertEqual(add_months(D(2024, 1, 15), -1), D(2023, 12, 15))

    def test_weekend(self):
        self.assertTrue(is_weekend(D(2024, 6, 1)))
        self.assertTrue(is_weekend(D(2024, 6, 2)))
        self.assertFalse(is_weekend(D(2024, 6, 3)))
        self.assertFalse(is_weekend(D(2024, 5, 31)))

    def test_business_days_week(self):
        self.assertEqual(business_days(D(2024, 6, 3), D(2024, 6, 10)), 5)

    def test_business_days_end_exclusive(self):
        self.assertEqual(business_days(D(2024, 6, 3), D(2024, 6, 4)), 1)

    def test_business_days_empty(self):
        self.assertEqual(business_days(D(2024, 6, 5), D(2024, 6, 5)), 0)
        self.assertEqual(business_days(D(2024, 6, 5), D(2024, 6, 1)), 0)

    def test_business_days_holidays(self):
        holidays = [D(2024, 6, 4)]
        self.assertEqual(business_days(D(2024, 6, 3), D(2024, 6, 10), holidays), 4)

    def test_add_business_days_over_weekend(self):
        self.assertEqual(add_business_days(D(2024, 5, 31), 1), D(2024, 6, 3))

    def test_add_business_days_backwards(self):
        self.assertEqual(add_business_days(D(2024, 6, 3), -1), D(2024, 5, 31))

    def test_add_zero_business_days(self):
        self.assertEqual(add_business_days(D(2024, 6, 1), 0), D(2024, 6, 1))

    def test_add_business_days_holiday(self):
        self.assertEqual(add_business_days(D(2024, 6, 3), 1, [D(2024, 6, 4)]), D(2024, 6, 5))


if __name__ == "__main__":
    unittest.main()
