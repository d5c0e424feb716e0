"""`get_chat_format`: pick a format by name; the V3.1 one defaults to the embedded tokenizer."""

from __future__ import annotations

import functools
import os

from transformers import PreTrainedTokenizerBase

from agent_rl.chat_format.base import ChatFormat
from agent_rl.chat_format.tokenizer import load_tokenizer
from agent_rl.errors import ConfigError

FORMATS = ("deepseek_v31", "hf")
_ALIASES = {"v31": "deepseek_v31", "deepseek-v31": "deepseek_v31", "deepseek_v3.1": "deepseek_v31"}


@functools.lru_cache(maxsize=4)
def _default_tokenizer(name: str) -> PreTrainedTokenizerBase:
    return load_tokenizer(name)


def get_chat_format(
    name: str = "deepseek_v31",
    tokenizer: PreTrainedTokenizerBase | str | os.PathLike[str] | None = None,
) -> ChatFormat:
    """A `ChatFormat` by name: "deepseek_v31" (default tokenizer: the tiny one) or "hf".

    `tokenizer` may be a tokenizer object, "tiny", or a local tokenizer directory.
    """
    key = _ALIASES.get(name, name)
    if key not in FORMATS:
        raise ConfigError(
            f"unknown chat format {name!r}; choose one of {', '.join(FORMATS)}", key="chat_format"
        )
    if tokenizer is None:
        if key == "hf":
            raise ConfigError(
                "the 'hf' format needs a tokenizer with a chat_template", key="tokenizer"
            )
        tok = _default_tokenizer("tiny")
    elif isinstance(tokenizer, (str, os.PathLike)):
        tok = _default_tokenizer(str(tokenizer))
    else:
        tok = tokenizer
    if key == "deepseek_v31":
        from agent_rl.chat_format.deepseek_v31 import DeepSeekV31Format

        return DeepSeekV31Format(tok)
    from agent_rl.chat_format.hf_template import HFChatFormat

    return HFChatFormat(tok)
