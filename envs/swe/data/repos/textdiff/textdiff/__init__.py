"""Line diffs: longest common subsequence, edit scripts, unified diffs and patching."""

from textdiff.diff import Edit, diff_lines, lcs_length, similarity
from textdiff.unified import PatchError, apply_unified, unified_diff

__all__ = [
    "Edit",
    "PatchError",
    "apply_unified",
    "diff_lines",
    "lcs_length",
    "similarity",
    "unified_diff",
]
