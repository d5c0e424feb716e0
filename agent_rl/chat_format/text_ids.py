"""Token ids of message text that can never be control tokens.

A tokenizer matches its added tokens (`<｜User｜>`, `<｜end▁of▁sentence｜>`, `<|im_end|>`, ...)
anywhere in the string it is given, so a user message, a tool's output or a model's prose that
spells one would otherwise encode to the real id and forge a turn boundary or a tool call in the
policy's context. The formats therefore tokenize *text* through `TextEncoder`: every occurrence
of an added-token string is cut between its first character and the rest, and each piece is
tokenized alone, so it becomes ordinary tokens that decode to the same characters.

The rendered text is never altered (the V3.1 renderer stays byte-identical to the official
template); only the ids of such text differ from `tokenizer.encode(render(...))`, which is the
point. Single-character added tokens cannot be split and are left as the tokenizer has them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from transformers import PreTrainedTokenizerBase


def added_token_strings(tokenizer: PreTrainedTokenizerBase) -> list[str]:
    """Every added token's string (specials included), longest first."""
    return sorted(
        (t for t in tokenizer.get_added_vocab() if len(t) > 1), key=lambda t: (-len(t), t)
    )


def trie_pattern(words: list[str]) -> str:
    """A regex matching any of `words` (longest first), as a prefix tree: at each position the
    engine tries one branch per distinct next character instead of every word (a real V3.1
    tokenizer has about 800 added tokens, nearly all starting with `<｜`)."""
    tree: dict[str, dict] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        end = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(tree)


class TextEncoder:
    """Batch tokenization of plain text with added tokens split into ordinary tokens."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        tokens = added_token_strings(tokenizer)
        self.tokens = tokens
        self.pattern = re.compile(trie_pattern(tokens)) if tokens else None
        backend = getattr(tokenizer, "backend_tokenizer", None)
        self._raw: Callable[[list[str]], list[list[int]]] = (
            (lambda texts: [e.ids for e in backend.encode_batch(texts, add_special_tokens=False)])
            if backend is not None
            else (lambda texts: tokenizer(texts, add_special_tokens=False)["input_ids"])
        )

    def pieces(self, text: str) -> list[str]:
        """`text` cut so that no piece contains an added-token string (pieces join to `text`)."""
        if self.pattern is None or self.pattern.search(text) is None:
            return [text]
        out: list[str] = []
        pos = 0
        for m in self.pattern.finditer(text):
            if m.start() > pos:
                out.append(text[pos : m.start()])
            token = m.group()
            out.append(token[:1])
            out.extend(self.pieces(token[1:]))
            pos = m.end()
        if pos < len(text):
            out.append(text[pos:])
        return out

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of each text; text that spells an added token gets ordinary tokens for it."""
        split = [self.pieces(t) for t in texts]
        if all(len(p) == 1 for p in split):
            return self._raw(list(texts))
        flat = self._raw([p for ps in split for p in ps])
        out: list[list[int]] = []
        k = 0
        for ps in split:
            ids: list[int] = []
            for _ in ps:
                ids.extend(flat[k])
                k += 1
            out.append(ids)
        return out

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0] if text else []
