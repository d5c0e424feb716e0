"""Calendar helpers: month ends, weekends and business days."""

import datetime as dt

SATURDAY = 5


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if month == 2:
        return 29 if is_leap(year) else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31


def month_end(day):
    return dt.date(day.year, day.month, days_in_month(day.year, day.month))


def add_months(day, months):
    """The same day `months` later, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, days_in_month(year, month)))


def is_weekend(day):
    return day.weekday() >= SATURDAY


def business_days(start, end, holidays=()):
    """Weekdays in [start, end) that are not holidays."""
    if end <= start:
        return 0
    holidays = set(holidays)
    count = 0
    day = start
    while day < end:
        if not is_weekend(day) and day not in holidays:
            count += 1
        day += dt.timedelta(days=1)
    return count


def add_business_days(day, n, holidays=()):
    """The business day `n` business days after `day` (before it for negative n)."""
    holidays = set(holidays)
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining > 0:
        day += dt.timedelta(days=step)
        if not is_weekend(day) and day not in holidays:
            remaining -= 1
    return day
