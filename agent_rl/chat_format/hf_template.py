"""A `ChatFormat` backed by any Hugging Face tokenizer's own `chat_template`.

For models that are not V3.1. The template is a black box, so masks come from rendering
prefixes (allowed here, unlike V3.1 in thinking mode): the text of assistant turn i is what
`render(messages[:i+1])` adds after `render(messages[:i], add_generation_prompt=True)`, and a
token is trained when its characters fall in such a span. Observations are the text the full
render adds after the model's own stop token, tokenized alone. Tool calls are parsed from
hermes-style `<tool_call>{json}</tool_call>` when the template knows that syntax; otherwise the
output is plain content.

Message text never encodes to control tokens (issue 11): before rendering for ids, every
added-token string inside a message or tool spec is swapped for a private-use placeholder, so
the template's own markers are the only ones the tokenizer sees; each placeholder is then
encoded as ordinary tokens of the original string (`text_ids.py`). The text is the one the
template writes. Where a template reads a marker it names inside one message's content (V3.1
drops history reasoning up to `</think>`), that marker of that message is left to it; if the
rendering still changes, the conversation is refused with a `DataError`, never encoded wrongly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from transformers import PreTrainedTokenizerBase

from agent_rl.chat_format.base import ChatFormat, Encoded, Message, PrefixError
from agent_rl.chat_format.parser import call_id
from agent_rl.chat_format.text_ids import TextEncoder
from agent_rl.errors import ConfigError, DataError

_END_MARKERS = (
    "<|im_end|>",
    "<|eot_id|>",
    "<|end|>",
    "<|endoftext|>",
    "<｜end▁of▁sentence｜>",
    "</s>",
)
_PLACEHOLDER_USER = {"role": "user", "content": "x"}


class _Defanged:
    """Messages and tools with added-token strings swapped for `S<k>S` placeholders."""

    def __init__(self, sentinel: str, tokens: list[str]) -> None:
        self.sentinel, self.tokens = sentinel, tokens
        self.back = re.compile(re.escape(sentinel) + r"(\d+)" + re.escape(sentinel))
        self._index = {t: k for k, t in enumerate(tokens)}

    def walk(self, obj: Any, pattern: re.Pattern[str]) -> Any:
        if isinstance(obj, str):
            if pattern.search(obj) is None:
                return obj
            return pattern.sub(
                lambda m: f"{self.sentinel}{self._index[m.group()]}{self.sentinel}", obj
            )
        if isinstance(obj, Mapping):
            return {k: self.walk(v, pattern) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.walk(v, pattern) for v in obj]
        return obj

    def restore(self, text: str) -> str:
        return self.back.sub(lambda m: self.tokens[int(m.group(1))], text)


def _strings(obj: Any) -> Any:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not standard JSON")


def _loads_closing(body: str) -> Any:
    """JSON of a hermes call, closing up to three braces a truncated output left open; None
    when it is not (standard) JSON, too deep, or holds an absurd number."""
    for k in range(4):
        try:
            return json.loads(body + "}" * k, parse_constant=_no_constant)
        except json.JSONDecodeError:
            continue
        except (ValueError, RecursionError):
            return None
    return None


_OPEN, _CLOSE = "<tool_call>", "</tool_call>"


def _hermes_calls(text: str, errors: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """(content, calls) of hermes-style output. A call missing its end tag stops at the next
    `<tool_call>`; each tag's next position is searched for once, so the scan is linear."""
    calls: list[dict[str, Any]] = []
    start = text.find(_OPEN)
    content = text[:start]
    close = -2
    n = 0
    while start >= 0:
        n += 1
        body_start = start + len(_OPEN)
        if close != -1 and close < body_start:
            close = text.find(_CLOSE, body_start)
        nxt = text.find(_OPEN, body_start, close if close >= 0 else len(text))
        if close < 0 or nxt >= 0:
            errors.append(f"tool call {n} is not closed with {_CLOSE} (truncated output?)")
            body = text[body_start : nxt if nxt >= 0 else len(text)]
            start = nxt
        else:
            body = text[body_start:close]
            start = text.find(_OPEN, close + len(_CLOSE))
        body = body.strip()
        obj = _loads_closing(body)
        if obj is None:
            errors.append(f"tool call {n}: not valid JSON: {body[:80]!r}")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            errors.append(f'tool call {n}: expected {{"name": ..., "arguments": {{...}}}}')
            continue
        args = obj.get("arguments", {})
        args = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        calls.append(
            {
                "id": call_id(n - 1, obj["name"], args),
                "type": "function",
                "function": {"name": obj["name"], "arguments": args},
            }
        )
    return content, calls


class HFChatFormat(ChatFormat):
    """Same interface as the V3.1 format, on a tokenizer's `chat_template`."""

    name = "hf"

    def __init__(
        self, tokenizer: PreTrainedTokenizerBase, chat_template: str | None = None
    ) -> None:
        self.tokenizer = tokenizer
        self.chat_template = chat_template or getattr(tokenizer, "chat_template", None)
        if not self.chat_template:
            raise ConfigError(
                f"tokenizer {getattr(tokenizer, 'name_or_path', '?')!r} has no chat_template",
                key="tokenizer.chat_template",
            )
        eos = tokenizer.eos_token_id
        vocab = tokenizer.get_vocab()
        stops = [eos] if eos is not None else []
        stops += [vocab[m] for m in _END_MARKERS if m in vocab and m in self.chat_template]
        self.stop_token_ids = list(dict.fromkeys(stops))
        if not self.stop_token_ids:
            raise ConfigError("tokenizer has no eos token and no known end marker", key="tokenizer")
        self.eos_token_id = self.stop_token_ids[0]
        self._stop_texts = [tokenizer.convert_ids_to_tokens(i) for i in self.stop_token_ids]
        self._hermes = "<tool_call>" in self.chat_template
        self._text = TextEncoder(tokenizer)

    # ---- text that must not become control tokens ----------------------------------------
    def _defang(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None,
        thinking: bool,
    ) -> tuple[list[Message], list[Mapping[str, Any]] | None, _Defanged | None]:
        """Messages and tools to render for ids, and the placeholders used (None: none)."""
        pattern = self._text.pattern
        if pattern is None:
            return list(messages), tools, None
        hits = [
            sorted({m.group() for t in _strings(msg) for m in pattern.finditer(t)})
            for msg in messages
        ]
        tool_hit = tools and any(pattern.search(t) for t in _strings(list(tools)))
        if not tool_hit and not any(hits):
            return list(messages), tools, None
        present: set[str] = set()
        for text in _strings([list(messages), list(tools or [])]):
            present.update(text)
        sentinel = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in present)
        d = _Defanged(sentinel, self._text.tokens)
        tls = d.walk(list(tools), pattern) if tools else tools
        want = self.render(messages, tools, thinking)

        # A template may read a marker it names inside content (V3.1 drops history reasoning
        # up to `</think>`): a (message, token) whose swap alone changes the rendering is left
        # to the template; every other one is swapped.
        def swapped(only: set[tuple[int, str]]) -> list[Message]:
            out = []
            for i, msg in enumerate(messages):
                keep = [t for t in hits[i] if (i, t) in only]
                if keep:
                    p = re.compile("|".join(map(re.escape, sorted(keep, key=len, reverse=True))))
                    msg = d.walk(msg, p)
                out.append(msg)
            return out

        pairs = {(i, t) for i, ts in enumerate(hits) for t in ts}
        read = {
            (i, t)
            for i, t in pairs
            if t in self.chat_template
            and d.restore(self.render(swapped({(i, t)}), tools, thinking)) != want
        }
        msgs = swapped(pairs - read)
        if d.restore(self.render(msgs, tls, thinking)) == want:
            return msgs, tls, d
        raise DataError(
            "the chat template rewrites a special-token string inside message text, so the "
            "text cannot be encoded as plain tokens; remove it from the message",
            key="messages",
        )

    def _ids(self, text: str, d: _Defanged | None = None) -> list[int]:
        if not text:
            return []
        if d is None or d.sentinel not in text:
            return self.tokenizer.encode(text, add_special_tokens=False)
        ids, _ = self._ids_offsets(text, d)
        return ids

    def _ids_offsets(
        self, text: str, d: _Defanged | None
    ) -> tuple[list[int], list[tuple[int, int]]]:
        """Ids of rendered text and each id's character span (placeholders: their whole span)."""
        ids: list[int] = []
        offsets: list[tuple[int, int]] = []

        def plain(a: int, b: int) -> None:
            if a < b:
                enc = self.tokenizer(
                    text[a:b], add_special_tokens=False, return_offsets_mapping=True
                )
                ids.extend(enc["input_ids"])
                offsets.extend((a + x, a + y) for x, y in enc["offset_mapping"])

        pos = 0
        if d is not None:
            for m in d.back.finditer(text):
                plain(pos, m.start())
                piece = self._text.encode(d.tokens[int(m.group(1))])
                ids.extend(piece)
                offsets.extend([(m.start(), m.end())] * len(piece))
                pos = m.end()
        plain(pos, len(text))
        return ids, offsets

    # ---- text ---------------------------------------------------------------------------
    def render(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
        add_generation_prompt: bool = False,
    ) -> str:
        import jinja2

        try:
            if not messages:  # apply_chat_template cannot take an empty conversation
                return self._render_empty(tools, thinking, add_generation_prompt)
            return self.tokenizer.apply_chat_template(
                [dict(m) for m in messages],
                tools=list(tools) if tools else None,
                chat_template=self.chat_template,
                tokenize=False,
                add_generation_prompt=add_generation_prompt,
                thinking=thinking,
                enable_thinking=thinking,
            )
        except jinja2.TemplateError as exc:
            raise DataError(
                f"the chat template refused these messages: {exc}", key="chat_template"
            ) from exc

    def _render_empty(
        self, tools: Sequence[Mapping[str, Any]] | None, thinking: bool, add_generation_prompt: bool
    ) -> str:
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise jinja2.TemplateError(message)

        # The same environment settings transformers uses for chat templates.
        env = ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
        )
        env.globals["raise_exception"] = raise_exception
        return env.from_string(self.chat_template).render(
            messages=[],
            tools=list(tools) if tools else None,
            add_generation_prompt=add_generation_prompt,
            thinking=thinking,
            enable_thinking=thinking,
            **{k: v for k, v in self.tokenizer.special_tokens_map.items() if isinstance(v, str)},
        )

    def parse(
        self,
        text: str,
        thinking: bool = False,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        errors: list[str] = []
        text = text if isinstance(text, str) else str(text)
        for stop in self._stop_texts:
            if stop and stop in text:
                text = text[: text.index(stop)]
        reasoning = None
        if "</think>" in text:
            reasoning, text = text.split("</think>", 1)
            reasoning = reasoning.removeprefix("<think>")
        elif thinking:
            reasoning, text = text.removeprefix("<think>"), ""
            errors.append("the reasoning was not closed with </think> (truncated output?)")
        calls: list[dict[str, Any]] = []
        if self._hermes and "<tool_call>" in text:
            text, calls = _hermes_calls(text, errors)
        return {
            "role": "assistant",
            "content": text,
            "reasoning_content": reasoning,
            "tool_calls": calls,
            "parse_errors": errors,
        }

    # ---- ids ----------------------------------------------------------------------------
    def encode(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> Encoded:
        messages, tools, d = self._defang(messages, tools, thinking)
        full = self.render(messages, tools, thinking)
        spans: list[tuple[int, int]] = []
        cursor = 0
        for i, msg in enumerate(messages):
            if msg.get("role") != "assistant" or msg.get("weight", 1) == 0:
                continue  # weight 0: in the context, never a training target
            head = self.render(messages[:i], tools, thinking, add_generation_prompt=True)
            upto = self.render(messages[: i + 1], tools, thinking)
            if not upto.startswith(head):
                head = self.render(messages[:i], tools, thinking)
            if not upto.startswith(head):
                raise DataError(
                    "the chat template renders this assistant turn differently from the prompt "
                    "before it, so its span cannot be located by rendering prefixes",
                    key=f"messages[{i}]",
                )
            if full.startswith(upto):
                start, end = max(len(head), cursor), len(upto)
            else:  # e.g. a later system message is hoisted to the top: find the turn's text
                turn = upto[len(head) :]
                start = full.find(turn, cursor)
                if start < 0:
                    raise DataError(
                        "the chat template rewrites this assistant turn later in the conversation",
                        key=f"messages[{i}]",
                    )
                end = start + len(turn)
            # The turn ends at the model's stop token: template text after it is not trained.
            end = self._stop_end(full, start, end)
            spans.append((start, end))
            cursor = end
        ids, offsets = self._ids_offsets(full, d)
        mask = [
            1 if any(a < e2 and b > s2 for s2, e2 in spans) and b > a else 0 for a, b in offsets
        ]
        return Encoded(ids, mask)

    def encode_prompt(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> list[int]:
        messages, tools, d = self._defang(messages, tools, thinking)
        return self._ids(self.render(messages, tools, thinking, add_generation_prompt=True), d)

    def encode_completion(self, assistant_message: Message, thinking: bool = False) -> list[int]:
        (_, assistant_message), _, d = self._defang(
            [_PLACEHOLDER_USER, assistant_message], None, thinking
        )
        head = self.render([_PLACEHOLDER_USER], add_generation_prompt=True, thinking=thinking)
        full = self.render([_PLACEHOLDER_USER, assistant_message], thinking=thinking)
        if not full.startswith(head):
            head = self.render([_PLACEHOLDER_USER], thinking=thinking)
        text = full[len(head) :]
        return self._ids(text[: self._stop_end(text, 0, len(text))], d)

    def encode_observation(
        self,
        new_messages: Sequence[Message],
        history: Sequence[Message],
        thinking: bool = False,
    ) -> list[int]:
        if not history:
            return self.encode_prompt(new_messages, thinking=thinking)
        both, _, d = self._defang([*history, *new_messages], None, thinking)
        history, new_messages = both[: len(history)], both[len(history) :]
        before = self.render(history, thinking=thinking)
        after = self.render(
            [*history, *new_messages], thinking=thinking, add_generation_prompt=True
        )
        if history[-1].get("role") == "assistant":
            # The model stopped at its stop token; what the template adds after it is ours.
            before = before[: self._stop_end(before, 0, len(before))]
        if not after.startswith(before):
            return self._raise_prefix(before, after)
        return self._ids(after[len(before) :], d)

    def _stop_end(self, text: str, start: int, end: int) -> int:
        """End of the last stop token in text[start:end], or `end` when there is none."""
        best = -1
        for stop in self._stop_texts:
            if stop:
                pos = text.rfind(stop, start, end)
                if pos >= 0:
                    best = max(best, pos + len(stop))
        return best if best >= 0 else end

    def _raise_prefix(self, before: str, after: str) -> list[int]:
        pos = next(
            (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), len(after)
        )
        raise PrefixError(
            f"the chat template rewrites the history when these messages are added (first change "
            f"at character {pos}: {before[pos : pos + 40]!r} -> {after[pos : pos + 40]!r})"
        )

    def _turn_markers(self) -> set[int]:
        vocab = self.tokenizer.get_vocab()
        return {
            vocab[m]
            for m in ("<|im_start|>", "<|start_header_id|>", "<｜User｜>", "<｜Assistant｜>")
            if m in vocab
        }
