"""Exact money amounts in minor units, with currencies, allocation and formatting."""

from money.currency import CURRENCIES, Currency, get_currency
from money.money import Money, MoneyError, parse_money

__all__ = ["CURRENCIES", "Currency", "Money", "MoneyError", "get_currency", "parse_money"]
