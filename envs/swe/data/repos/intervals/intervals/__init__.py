"""Closed-open integer intervals and an interval tree that answers overlap queries."""

from intervals.interval import Interval, merge_intervals
from intervals.tree import IntervalTree

__all__ = ["Interval", "IntervalTree", "merge_intervals"]
