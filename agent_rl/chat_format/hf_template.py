"""A `ChatFormat` backed by any Hugging Face tokenizer's own `chat_template`.

For models that are not V3.1. The template is a black box, so masks come from rendering
prefixes (allowed here, unlike V3.1 in thinking mode): the text of assistant turn i is what
`render(messages[:i+1])` adds after `render(messages[:i], add_generation_prompt=True)`, and a
token is trained when its characters fall in such a span. Observations are the text the full
render adds after the model's own stop token, tokenized alone. Tool calls are parsed from
hermes-style `<tool_call>{json}</tool_call>` when the template knows that syntax; otherwise the
output is plain content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from transformers import PreTrainedTokenizerBase

from agent_rl.chat_format.base import ChatFormat, Encoded, Message, PrefixError
from agent_rl.chat_format.parser import call_id
from agent_rl.errors import ConfigError, DataError

_END_MARKERS = (
    "<|im_end|>",
    "<|eot_id|>",
    "<|end|>",
    "<|endoftext|>",
    "<｜end▁of▁sentence｜>",
    "</s>",
)
_HERMES = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)
_PLACEHOLDER_USER = {"role": "user", "content": "x"}


def _loads_closing(body: str) -> Any:
    """JSON of a hermes call, closing up to three braces a truncated output left open."""
    for k in range(4):
        try:
            return json.loads(body + "}" * k)
        except json.JSONDecodeError:
            continue
    return None


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
            content = text[: text.index("<tool_call>")]
            for n, m in enumerate(_HERMES.finditer(text), 1):
                body = m.group(1).strip()
                if not m.group(0).endswith("</tool_call>"):
                    errors.append(
                        f"tool call {n} is not closed with </tool_call> (truncated output?)"
                    )
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
            text = content
        return {
            "role": "assistant",
            "content": text,
            "reasoning_content": reasoning,
            "tool_calls": calls,
            "parse_errors": errors,
        }

    # ---- ids ----------------------------------------------------------------------------
    def _ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False) if text else []

    def encode(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> Encoded:
        full = self.render(messages, tools, thinking)
        spans: list[tuple[int, int]] = []
        cursor = 0
        for i, msg in enumerate(messages):
            if msg.get("role") != "assistant":
                continue
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
        enc = self.tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
        mask = [
            1 if any(a < e2 and b > s2 for s2, e2 in spans) and b > a else 0
            for a, b in enc["offset_mapping"]
        ]
        return Encoded(list(enc["input_ids"]), mask)

    def encode_prompt(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> list[int]:
        return self._ids(self.render(messages, tools, thinking, add_generation_prompt=True))

    def encode_completion(self, assistant_message: Message, thinking: bool = False) -> list[int]:
        head = self.render([_PLACEHOLDER_USER], add_generation_prompt=True, thinking=thinking)
        full = self.render([_PLACEHOLDER_USER, assistant_message], thinking=thinking)
        if not full.startswith(head):
            head = self.render([_PLACEHOLDER_USER], thinking=thinking)
        text = full[len(head) :]
        return self._ids(text[: self._stop_end(text, 0, len(text))])

    def encode_observation(
        self,
        new_messages: Sequence[Message],
        history: Sequence[Message],
        thinking: bool = False,
    ) -> list[int]:
        if not history:
            return self.encode_prompt(new_messages, thinking=thinking)
        before = self.render(history, thinking=thinking)
        after = self.render(
            [*history, *new_messages], thinking=thinking, add_generation_prompt=True
        )
        if history[-1].get("role") == "assistant":
            # The model stopped at its stop token; what the template adds after it is ours.
            before = before[: self._stop_end(before, 0, len(before))]
        if not after.startswith(before):
            return self._raise_prefix(before, after)
        return self._ids(after[len(before) :])

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
