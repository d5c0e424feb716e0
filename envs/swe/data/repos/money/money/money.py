"""Money: an integer number of minor units of one currency."""

from money.currency import Currency, get_currency


class MoneyError(ValueError):
    """Operations that mix currencies or cannot be done exactly."""


def _round_half_even(numerator, denominator):
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


class Money:
    def __init__(self, minor, currency="USD"):
        if not isinstance(minor, int):
            raise TypeError("minor units must be an int")
        self.minor = minor
        self.currency = currency if isinstance(currency, Currency) else get_currency(currency)

    @classmethod
    def of(cls, major, currency="USD"):
        """From a major-unit amount given as a string or int ("12.34")."""
        cur = currency if isinstance(currency, Currency) else get_currency(currency)
        text = str(major).strip()
        negative = text.startswith("-")
        if negative:
            text = text[1:]
        whole, _, frac = text.partition(".")
        if len(frac) > cur.exponent:
            raise MoneyError(f"{major} has more than {cur.exponent} decimals for {cur.code}")
        frac = frac.ljust(cur.exponent, "0")
        minor = int(whole or "0") * cur.factor + int(frac or "0")
        return cls(-minor if negative else minor, cur)

    def __repr__(self):
        return f"Money({self.minor}, {self.currency.code!r})"

    def __eq__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self.minor == other.minor and self.currency == other.currency

    def __hash__(self):
        return hash((self.minor, self.currency.code))

    def _check(self, other):
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency.code} and {other.currency.code}")

    def __add__(self, other):
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other):
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self):
        return Money(-self.minor, self.currency)

    def __lt__(self, other):
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other):
        self._check(other)
        return self.minor <= other.minor

    def is_zero(self):
        return self.minor == 0

    def is_negative(self):
        return self.minor < 0

    def multiply(self, numerator, denominator=1):
        """Multiply by a fraction, rounding half to even."""
        if denominator == 0:
            raise ZeroDivisionError("denominator is zero")
        if denominator < 0:
            numerator, denominator = -numerator, -denominator
        return Money(_round_half_even(self.minor * numerator, denominator), self.currency)

    def percent(self, rate_percent):
        return self.multiply(rate_percent, 100)

    def allocate(self, ratios):
        """Split into parts proportional to `ratios`; leftover minor units go to the first parts."""
        if not ratios:
            raise ValueError("no ratios")
        if any(r < 0 for r in ratios):
            raise ValueError("ratios must be >= 0")
        total = sum(ratios)
        if total == 0:
            raise ValueError("ratios sum to zero")
        parts = [self.minor * r // total for r in ratios]
        remainder = self.minor - sum(parts)
        for index in range(remainder):
            parts[index % len(parts)] += 1
        return [Money(p, self.currency) for p in parts]

    def split(self, n):
        if n < 1:
            raise ValueError("n must be >= 1")
        return self.allocate([1] * n)

    def convert(self, currency, rate_numerator, rate_denominator=1):
        """Into another currency at rate numerator/denominator major units per major unit."""
        target = currency if isinstance(currency, Currency) else get_currency(currency)
        numerator = self.minor * rate_numerator * target.factor
        denominator = rate_denominator * self.currency.factor
        return Money(_round_half_even(numerator, denominator), target)

    def amount_text(self):
        exponent = self.currency.exponent
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), self.currency.factor)
        grouped = f"{whole:,}"
        if exponent == 0:
            return f"{sign}{grouped}"
        return f"{sign}{grouped}.{frac:0{exponent}d}"

    def format(self, with_symbol=True):
        text = self.amount_text()
        if not with_symbol:
            return f"{text} {self.currency.code}"
        if text.startswith("-"):
            return f"-{self.currency.symbol}{text[1:]}"
        return f"{self.currency.symbol}{text}"


def parse_money(text):
    """Parse "12.50 USD" or "USD 12.50" (thousands separators allowed)."""
    parts = text.replace(",", "").split()
    if len(parts) != 2:
        raise MoneyError(f"cannot parse {text!r}")
    first, second = parts
    if first.isalpha():
        code, amount = first, second
    else:
        amount, code = first, second
    return Money.of(amount, code)


def total(amounts, currency="USD"):
    result = Money(0, currency)
    for amount in amounts:
        result = result + amount
    return result
