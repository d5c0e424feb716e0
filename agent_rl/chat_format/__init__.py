"""DeepSeek-V3.1 chat format: renderer, the one shared tool-call parser, token ids with masks."""

from agent_rl.chat_format.tokenizer import build_tiny_tokenizer, load_tokenizer

__all__ = ["build_tiny_tokenizer", "load_tokenizer"]
