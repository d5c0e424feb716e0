"""Ranges of calendar dates: overlap, iteration, month splits and business days."""

from dateranges.daterange import DateRange, parse_range
from dateranges.calendar import business_days, add_business_days, month_end, is_weekend

__all__ = [
    "DateRange",
    "add_business_days",
    "business_days",
    "is_weekend",
    "month_end",
    "parse_range",
]
