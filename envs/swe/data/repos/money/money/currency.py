"""Currencies and their number of decimal places."""


class Currency:
    def __init__(self, code, exponent=2, symbol=None):
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"bad currency code {code!r}")
        if exponent < 0:
            raise ValueError("exponent must be >= 0")
        self.code = code.upper()
        self.exponent = exponent
        self.symbol = symbol or self.code

    def __repr__(self):
        return f"Currency({self.code!r})"

    def __eq__(self, other):
        return isinstance(other, Currency) and self.code == other.code

    def __hash__(self):
        return hash(self.code)

    @property
    def factor(self):
        return 10 ** self.exponent


CURRENCIES = {
    "USD": Currency("USD", 2, "$"),
    "EUR": Currency("EUR", 2, "€"),
    "JPY": Currency("JPY", 0, "¥"),
    "KWD": Currency("KWD", 3),
    "GBP": Currency("GBP", 2, "£"),
}


def get_currency(code):
    try:
        return CURRENCIES[code.upper()]
    except KeyError:
        raise ValueError(f"unknown currency {code!r}") from None
