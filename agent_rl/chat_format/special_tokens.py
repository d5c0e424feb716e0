"""The DeepSeek-V3.1 special tokens, spelled exactly as in its tokenizer.

The bars are FULLWIDTH VERTICAL LINE (U+FF5C) and the spaces LOWER ONE EIGHTH BLOCK (U+2581);
`<think>` / `</think>` are plain ASCII. One place for these strings, so no module re-types them.
"""

from __future__ import annotations

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
PAD = "<｜▁pad▁｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"
THINK_BEGIN = "<think>"
THINK_END = "</think>"
TOOL_CALLS_BEGIN = "<｜tool▁calls▁begin｜>"
TOOL_CALLS_END = "<｜tool▁calls▁end｜>"
TOOL_CALL_BEGIN = "<｜tool▁call▁begin｜>"
TOOL_CALL_END = "<｜tool▁call▁end｜>"
TOOL_SEP = "<｜tool▁sep｜>"
TOOL_OUTPUT_BEGIN = "<｜tool▁output▁begin｜>"
TOOL_OUTPUT_END = "<｜tool▁output▁end｜>"

#: Every token the V3.1 format writes, in the id order of the embedded tiny tokenizer
#: (BOS=0, EOS=1 as in the real V3.1 vocabulary; PAD=2 as in DeepSeek-V3).
V31_SPECIAL_TOKENS: tuple[str, ...] = (
    BOS,
    EOS,
    PAD,
    USER,
    ASSISTANT,
    THINK_BEGIN,
    THINK_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_SEP,
    TOOL_OUTPUT_BEGIN,
    TOOL_OUTPUT_END,
)
