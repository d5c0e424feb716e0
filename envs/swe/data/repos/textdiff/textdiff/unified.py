"""Unified diff text from an edit script, and applying such a diff to lines."""

import re

from textdiff.diff import diff_lines

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    """A unified diff that does not apply."""


def _group(edits, context):
    """Runs of edits around changes, with `context` unchanged lines on each side."""
    changes = [k for k, e in enumerate(edits) if e.op != " "]
    if not changes:
        return []
    groups = []
    start = max(changes[0] - context, 0)
    end = min(changes[0] + context + 1, len(edits))
    for k in changes[1:]:
        if k - context <= end:
            end = min(k + context + 1, len(edits))
        else:
            groups.append((start, end))
            start = max(k - context, 0)
            end = min(k + context + 1, len(edits))
    groups.append((start, end))
    return groups


def _range(start, count):
    if count == 1:
        return f"{start}"
    if count == 0:
        return f"{start - 1},0" if start > 0 else "0,0"
    return f"{start},{count}"


def unified_diff(a, b, old_name="a", new_name="b", context=3):
    """Unified diff lines (without trailing newlines) from a to b."""
    edits = diff_lines(a, b)
    groups = _group(edits, context)
    if not groups:
        return []
    out = [f"--- {old_name}", f"+++ {new_name}"]
    for start, end in groups:
        chunk = edits[start:end]
        old_count = sum(1 for e in chunk if e.op != "+")
        new_count = sum(1 for e in chunk if e.op != "-")
        old_start = chunk[0].old_index + 1
        new_start = chunk[0].new_index + 1
        out.append(f"@@ -{_range(old_start, old_count)} +{_range(new_start, new_count)} @@")
        out.extend(e.op + e.line for e in chunk)
    return out


def apply_unified(lines, diff):
    """Apply unified diff lines to `lines`; context must match exactly."""
    result = []
    cursor = 0
    k = 0
    while k < len(diff) and not diff[k].startswith("@@"):
        k += 1
    while k < len(diff):
        match = _HUNK.match(diff[k])
        if not match:
            raise PatchError(f"bad hunk header {diff[k]!r}")
        old_start = int(match.group(1))
        old_count = int(match.group(2)) if match.group(2) is not None else 1
        position = old_start - 1 if old_count > 0 else old_start
        if position < cursor:
            raise PatchError("overlapping hunks")
        result.extend(lines[cursor:position])
        cursor = position
        k += 1
        while k < len(diff) and not diff[k].startswith("@@"):
            op, text = diff[k][:1], diff[k][1:]
            if op in (" ", "-"):
                if cursor >= len(lines) or lines[cursor] != text:
                    raise PatchError(f"context mismatch at line {cursor + 1}")
                if op == " ":
                    result.append(text)
                cursor += 1
            elif op == "+":
                result.append(text)
            else:
                raise PatchError(f"bad diff line {diff[k]!r}")
            k += 1
    result.extend(lines[cursor:])
    return result
