import unittest

from money.currency import Currency, get_currency
from money.money import Money, MoneyError, parse_money, total


class TestCurrency(unittest.TestCase):
    def test_lookup_case_insensitive(self):
        self.assertEqual(get_currency("usd").code, "USD")

    def test_unknown(self):
        with self.assertRaises(ValueError):
            get_currency("XXX")

    def test_bad_code(self):
        with self.assertRaises(ValueError):
            Currency("US")

    def test_negative_exponent(self):
        with self.assertRaises(ValueError):
            Currency("ABC", -1)

    def test_factor(self):
        self.assertEqual(get_currency("KWD").factor, 1000)
        self.assertEqual(get_currency("JPY").factor, 1)

    def test_symbol_defaults_to_code(self):
        self.assertEqual(Currency("abc").symbol, "ABC")


class TestConstruct(unittest.TestCase):
    def test_of_string(self):
        self.assertEqual(Money.of("12.34"), Money(1234))

    def test_of_pads_decimals(self):
        self.assertEqual(Money.of("12.5"), Money(1250))

    def test_of_whole(self):
        self.assertEqual(Money.of(7, "EUR"), Money(700, "EUR"))

    def test_of_negative(self):
        self.assertEqual(Money.of("-0.05"), Money(-5))

    def test_of_zero_exponent(self):
        self.assertEqual(Money.of("500", "JPY"), Money(500, "JPY"))

    def test_of_too_many_decimals(self):
        with self.assertRaises(MoneyError):
            Money.of("1.234", "USD")

    def test_of_three_decimals(self):
        self.assertEqual(Money.of("1.234", "KWD").minor, 1234)

    def test_minor_must_be_int(self):
        with self.assertRaises(TypeError):
            Money(1.5)


class TestArithmetic(unittest.TestCase):
    def test_add(self):
        self.assertEqual(Money(150) + Money(275), Money(425))

    def test_sub(self):
        self.assertEqual(Money(150) - Money(275), Money(-125))

    def test_neg(self):
        self.assertEqual(-Money(5), Money(-5))

    def test_mixing_currencies(self):
        with self.assertRaises(MoneyError):
            Money(1, "USD") + Money(1, "EUR")

    def test_add_non_money(self):
        with self.assertRaises(TypeError):
            Money(1) + 1

    def test_compare(self):
        self.assertTrue(Money(1) < Money(2))
        self.assertFalse(Money(2) < Money(2))
        self.assertTrue(Money(2) <= Money(2))

    def test_is_negative(self):
        self.assertTrue(Money(-1).is_negative())
        self.assertFalse(Money(0).is_negative())

    def test_multiply_rounds_half_even(self):
        self.assertEqual(Money(5).multiply(1, 2), Money(2))
        self.assertEqual(Money(15).multiply(1, 10), Money(2))
        self.assertEqual(Money(25).multiply(1, 10), Money(2))
        self.assertEqual(Money(26).multiply(1, 10), Money(3))

    def test_multiply_negative_denominator(self):
        self.assertEqual(Money(100).multiply(1, -4), Money(-25))

    def test_multiply_by_zero_denominator(self):
        with self.assertRaises(ZeroDivisionError):
            Money(1).multiply(1, 0)

    def test_percent(self):
        self.assertEqual(Money(2000).percent(15), Money(300))

    def test_total(self):
        self.assertEqual(total([Money(1), Money(2), Money(3)]), Money(6))
        self.assertEqual(total([], "EUR"), Money(0, "EUR"))


class TestAllocate(unittest.TestCase):
    def test_allocate_even(self):
        self.assertEqual(Money(100).allocate([1, 1]), [Money(50), Money(50)])

    def test_allocate_remainder_goes_first(self):
        self.assertEqual(Money(100).split(3), [Money(34), Money(33), Money(33)])

    def test_allocate_ratios(self):
        self.assertEqual(Money(5).allocate([3, 7]), [Money(2), Money(3)])

    def test_allocate_keeps_total(self):
        parts = Money(1001).allocate([1, 2, 3, 4])
        self.assertEqual(sum(p.minor for p in parts), 1001)

    def test_allocate_zero_ratio(self):
        self.assertEqual(Money(10).allocate([0, 1]), [Money(0), Money(10)])

    def test_allocate_errors(self):
        with self.assertRaises(ValueError):
            Money(10).allocate([])
        with self.assertRaises(ValueError):
            Money(10).allocate([0, 0])
        with self.assertRaises(ValueError):
            Money(10).allocate([-1, 2])

    def test_split_needs_one(self):
        with self.assertRaises(ValueError):
            Money(10).split(0)


class TestConvertFormat(unittest.TestCase):
    def test_convert(self):
        self.assertEqual(Money(1000, "USD").convert("EUR", 9, 10), Money(900, "EUR"))

    def test_convert_to_zero_exponent(self):
        self.assertEqual(Money(150, "USD").convert("JPY", 150), Money(225, "JPY"))

    def test_convert_from_zero_exponent(self):
        self.assertEqual(Money(1000, "JPY").convert("USD", 1, 150), Money(667, "USD"))

    def test_amount_text(self):
        self.assertEqual(Money(123456789).amount_text(), "1,234,567.89")

    def test_amount_text_small(self):
        self.assertEqual(Money(5).amount_text(), "0.05")

    def test_amount_text_negative(self):
        self.assertEqual(Money(-250).amount_text(), "-2.50")

    def test_amount_text_zero_exponent(self):
        self.assertEqual(Money(1500, "JPY").amount_text(), "1,500")

    def test_format_symbol(self):
        self.assertEqual(Money(1999).format(), "$19.99")

    def test_format_negative_symbol(self):
        self.assertEqual(Money(-1999, "GBP").format(), "-£19.99")

    def test_format_code(self):
        self.assertEqual(Money(1, "KWD").format(with_symbol=False), "0.001 KWD")


class TestParse(unittest.TestCase):
    def test_amount_first(self):
        self.assertEqual(parse_money("12.50 EUR"), Money(1250, "EUR"))

    def test_code_first(self):
        self.assertEqual(parse_money("USD 1,234.00"), Money(123400))

    def test_garbage(self):
        with self.assertRaises(MoneyError):
            parse_money("twelve")


if __name__ == "__main__":
    unittest.main()
