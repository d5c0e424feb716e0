"""Edit scripts between two sequences of lines from a longest common subsequence table."""


class Edit:
    """One line of an edit script: op is ' ' (keep), '-' (delete) or '+' (insert)."""

    def __init__(self, op, line, old_index, new_index):
        self.op = op
        self.line = line
        self.old_index = old_index
        self.new_index = new_index

    def __repr__(self):
        return f"Edit({self.op!r}, {self.line!r})"

    def __eq__(self, other):
        return isinstance(other, Edit) and (self.op, self.line) == (other.op, other.line)


def _table(a, b):
    rows, cols = len(a), len(b)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if a[i] == b[j]:
                table[i][j] = table[i + 1][j + 1] + 1
            else:
                table[i][j] = max(table[i + 1][j], table[i][j + 1])
    return table


def lcs_length(a, b):
    return _table(a, b)[0][0]


def diff_lines(a, b, ignore_whitespace=False):
    """The edit script turning a into b (deletions before insertions at each change)."""
    key_a = [line.strip() for line in a] if ignore_whitespace else list(a)
    key_b = [line.strip() for line in b] if ignore_whitespace else list(b)
    table = _table(key_a, key_b)
    edits = []
    i = j = 0
    while i < len(a) and j < len(b):
        if key_a[i] == key_b[j]:
            edits.append(Edit(" ", b[j], i, j))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            edits.append(Edit("-", a[i], i, j))
            i += 1
        else:
            edits.append(Edit("+", b[j], i, j))
            j += 1
    while i < len(a):
        edits.append(Edit("-", a[i], i, j))
        i += 1
    while j < len(b):
        edits.append(Edit("+", b[j], i, j))
        j += 1
    return edits


def similarity(a, b):
    """2 * matches / total lines, in [0, 1]; two empty inputs are identical."""
    total = len(a) + len(b)
    if total == 0:
        return 1.0
    return 2.0 * lcs_length(a, b) / total


def count_changes(edits):
    added = sum(1 for e in edits if e.op == "+")
    removed = sum(1 for e in edits if e.op == "-")
    return added, removed
