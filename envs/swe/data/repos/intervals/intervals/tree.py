"""A centered interval tree: build once, query points and ranges in O(log n + k)."""

from intervals.interval import Interval, merge_intervals


class _Node:
    def __init__(self, center, intervals):
        self.center = center
        self.by_start = sorted(intervals, key=lambda i: i.start)
        self.by_end = sorted(intervals, key=lambda i: i.end, reverse=True)
        self.left = None
        self.right = None


class IntervalTree:
    """A static set of intervals; `add` and `remove` rebuild lazily."""

    def __init__(self, intervals=(), leaf_size=4):
        self._items = [i for i in intervals if not i.is_empty()]
        self.leaf_size = leaf_size
        self._root = None
        self._dirty = True

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(sorted(self._items))

    def __contains__(self, interval):
        return interval in self._items

    def add(self, interval):
        if interval.is_empty():
            return False
        self._items.append(interval)
        self._dirty = True
        return True

    def add_range(self, start, end, data=None):
        return self.add(Interval(start, end, data))

    def remove(self, interval):
        if interval not in self._items:
            raise KeyError(interval)
        self._items.remove(interval)
        self._dirty = True

    def discard(self, interval):
        try:
            self.remove(interval)
        except KeyError:
            return False
        return True

    def _build(self, items):
        if not items:
            return None
        starts = sorted(i.start for i in items)
        center = starts[len(starts) // 2]
        here = [i for i in items if i.start <= center < i.end]
        left = [i for i in items if i.end <= center]
        right = [i for i in items if i.start > center]
        node = _Node(center, here)
        if len(left) > 0:
            node.left = self._build(left)
        if len(right) > 0:
            node.right = self._build(right)
        return node

    def _tree(self):
        if self._dirty:
            self._root = self._build(list(self._items))
            self._dirty = False
        return self._root

    def at(self, point):
        """Intervals that contain `point`, sorted."""
        found = []
        node = self._tree()
        while node is not None:
            if point < node.center:
                for interval in node.by_start:
                    if interval.start > point:
                        break
                    found.append(interval)
                node = node.left
            else:
                for interval in node.by_end:
                    if interval.end <= point:
                        break
                    found.append(interval)
                node = node.right
        return sorted(found)

    def overlapping(self, start, end):
        """Intervals that overlap [start, end), sorted."""
        if start >= end:
            return []
        probe = Interval(start, end)
        return sorted(i for i in self._items if i.overlaps(probe))

    def enveloped_by(self, start, end):
        """Intervals lying completely inside [start, end)."""
        outer = Interval(start, end)
        return sorted(i for i in self._items if outer.contains(i))

    def span(self):
        """The smallest interval holding every interval, or None when empty."""
        if not self._items:
            return None
        return Interval(min(i.start for i in self._items), max(i.end for i in self._items))

    def total_covered(self):
        return sum(i.length() for i in merge_intervals(self._items))

    def depth(self):
        def walk(node):
            if node is None:
                return 0
            return 1 + max(walk(node.left), walk(node.right))

        return walk(self._tree())

    def chop(self, start, end):
        """Remove the part [start, end) from every interval (splitting those that straddle it)."""
        kept = []
        for interval in self._items:
            if interval.end <= start or interval.start >= end:
                kept.append(interval)
                continue
            if interval.start < start:
                kept.append(Interval(interval.start, start, interval.data))
            if interval.end > end:
                kept.append(Interval(end, interval.end, interval.data))
        self._items = kept
        self._dirty = True
