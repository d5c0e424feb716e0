"""A half-open interval [start, end) over integers."""


class Interval:
    """The integers x with start <= x < end; empty when start == end."""

    def __init__(self, start, end, data=None):
        if start > end:
            raise ValueError(f"start {start} is after end {end}")
        self.start = start
        self.end = end
        self.data = data

    def __repr__(self):
        return f"Interval({self.start}, {self.end})"

    def __eq__(self, other):
        if not isinstance(other, Interval):
            return NotImplemented
        return (self.start, self.end, self.data) == (other.start, other.end, other.data)

    def __hash__(self):
        return hash((self.start, self.end))

    def __lt__(self, other):
        return (self.start, self.end) < (other.start, other.end)

    def length(self):
        return self.end - self.start

    def is_empty(self):
        return self.start == self.end

    def contains_point(self, x):
        return self.start <= x < self.end

    def contains(self, other):
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other):
        if self.is_empty() or other.is_empty():
            return False
        return self.start < other.end and other.start < self.end

    def touches(self, other):
        return self.end == other.start or other.end == self.start

    def intersection(self, other):
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        if start >= end:
            return None
        return Interval(start, end)

    def union(self, other):
        if not (self.overlaps(other) or self.touches(other)):
            raise ValueError(f"{self} and {other} are disjoint")
        return Interval(min(self.start, other.start), max(self.end, other.end))

    def shift(self, offset):
        return Interval(self.start + offset, self.end + offset, self.data)

    def split(self, x):
        if x <= self.start or x >= self.end:
            return [Interval(self.start, self.end, self.data)]
        return [Interval(self.start, x, self.data), Interval(x, self.end, self.data)]


def merge_intervals(intervals, join_touching=True):
    """Merge overlapping intervals (and touching ones unless join_touching is False)."""
    result = []
    for current in sorted(i for i in intervals if not i.is_empty()):
        if result:
            last = result[-1]
            if last.overlaps(current) or (join_touching and last.touches(current)):
                result[-1] = Interval(last.start, max(last.end, current.end))
                continue
        result.append(Interval(current.start, current.end))
    return result


def gaps(intervals, lower, upper):
    """The parts of [lower, upper) that no interval covers."""
    out = []
    cursor = lower
    for interval in merge_intervals(intervals):
        if interval.end <= lower or interval.start >= upper:
            continue
        if interval.start > cursor:
            out.append(Interval(cursor, interval.start))
        cursor = max(cursor, interval.end)
    if cursor < upper:
        out.append(Interval(cursor, upper))
    return out
