"""Silence transformers' own progress bars around loads and saves.

A 2M-parameter model loads and saves in milliseconds, yet transformers draws a "Loading
weights" / "Writing model shards" bar each time; during training (a checkpoint every few
steps) those bars interleave with the trainer's own progress bar and bury it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_hf_progress() -> Iterator[None]:
    """Turn transformers' progress bars off inside the block (restored afterwards)."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()
