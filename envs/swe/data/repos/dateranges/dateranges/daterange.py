"""DateRange: the dates d with start <= d < end (end exclusive)."""

import datetime as dt

from dateranges.calendar import add_months, days_in_month

ONE_DAY = dt.timedelta(days=1)


class DateRange:
    def __init__(self, start, end):
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        self.start = start
        self.end = end

    @classmethod
    def inclusive(cls, first, last):
        return cls(first, last + ONE_DAY)

    @classmethod
    def month(cls, year, month):
        first = dt.date(year, month, 1)
        return cls(first, first + dt.timedelta(days=days_in_month(year, month)))

    def __repr__(self):
        return f"DateRange({self.start.isoformat()}, {self.end.isoformat()})"

    def __eq__(self, other):
        return isinstance(other, DateRange) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self):
        return hash((self.start, self.end))

    def __len__(self):
        return (self.end - self.start).days

    def __contains__(self, day):
        return self.start <= day < self.end

    def __iter__(self):
        day = self.start
        while day < self.end:
            yield day
            day += ONE_DAY

    @property
    def last(self):
        if self.is_empty():
            raise ValueError("an empty range has no last day")
        return self.end - ONE_DAY

    def is_empty(self):
        return self.start == self.end

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end

    def intersection(self, other):
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        if end <= start:
            return None
        return DateRange(start, end)

    def shift(self, days):
        delta = dt.timedelta(days=days)
        return DateRange(self.start + delta, self.end + delta)

    def extend(self, before=0, after=0):
        return DateRange(self.start - dt.timedelta(days=before),
                         self.end + dt.timedelta(days=after))

    def split_by_month(self):
        """Pieces of this range, one per calendar month it touches."""
        pieces = []
        cursor = self.start
        while cursor < self.end:
            next_month = add_months(dt.date(cursor.year, cursor.month, 1), 1)
            stop = min(next_month, self.end)
            pieces.append(DateRange(cursor, stop))
            cursor = stop
        return pieces

    def weeks(self):
        """Consecutive 7-day pieces from start; the last may be shorter."""
        pieces = []
        cursor = self.start
        while cursor < self.end:
            stop = min(cursor + dt.timedelta(days=7), self.end)
            pieces.append(DateRange(cursor, stop))
            cursor = stop
        return pieces

    def every(self, days, offset=0):
        if days <= 0:
            raise ValueError("step must be positive")
        return [d for i, d in enumerate(self) if i >= offset and (i - offset) % days == 0]


def parse_range(text):
    """Parse 'YYYY-MM-DD..YYYY-MM-DD' (end exclusive) or 'YYYY-MM-DD...YYYY-MM-DD' (inclusive)."""
    if "..." in text:
        first, last = text.split("...", 1)
        return DateRange.inclusive(dt.date.fromisoformat(first.strip()),
                                   dt.date.fromisoformat(last.strip()))
    if ".." in text:
        first, end = text.split("..", 1)
        return DateRange(dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(end.strip()))
    raise ValueError(f"not a date range: {text!r}")


def merge_ranges(ranges):
    merged = []
    for current in sorted(ranges, key=lambda r: (r.start, r.end)):
        if current.is_empty():
            continue
        if merged and current.start <= merged[-1].end:
            merged[-1] = DateRange(merged[-1].start, max(merged[-1].end, current.end))
        else:
            merged.append(current)
    return merged
