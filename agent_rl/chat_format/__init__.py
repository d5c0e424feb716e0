"""DeepSeek-V3.1 chat format: renderer, the one shared tool-call parser, token ids with masks.

`get_chat_format("deepseek_v31")` is the format the project trains and rolls out in;
`get_chat_format("hf", tokenizer=tok)` wraps any Hugging Face tokenizer's own chat template.
"""

from agent_rl.chat_format.base import ChatFormat, Encoded, PrefixError
from agent_rl.chat_format.conversation import encode_record, record_thinking
from agent_rl.chat_format.deepseek_v31 import DeepSeekV31Format
from agent_rl.chat_format.parser import parse_v31
from agent_rl.chat_format.registry import FORMATS, get_chat_format
from agent_rl.chat_format.text_ids import TextEncoder
from agent_rl.chat_format.tokenizer import (
    build_tiny_tokenizer,
    cache_root,
    load_tokenizer,
    tiny_tokenizer_path,
)
from agent_rl.chat_format.tools_prompt import tools_system_prompt

__all__ = [
    "FORMATS",
    "ChatFormat",
    "DeepSeekV31Format",
    "Encoded",
    "PrefixError",
    "TextEncoder",
    "build_tiny_tokenizer",
    "cache_root",
    "encode_record",
    "get_chat_format",
    "load_tokenizer",
    "parse_v31",
    "record_thinking",
    "tiny_tokenizer_path",
    "tools_system_prompt",
]
