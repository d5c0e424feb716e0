"""DeepSeek-V3.1 format: render byte-identical to the official template, encode segment by segment.

One function, `_segments`, walks the messages exactly like the official jinja template
(`deepseek_v31.jinja` beside this file, a copy of the tokenizer's `chat_template`) and yields
`(text, is_special, trainable)` pieces. Rendering joins the texts; encoding maps each special
piece to its single id and tokenizes each text piece alone, so the loss mask comes from segment
boundaries and never from diffing a prompt render against a full render (which is wrong for this
template in thinking mode). Every text piece borders special tokens, where the tokenizer splits
anyway, so the ids equal `tokenizer.encode(render(...))` -- except where message text spells a
special token: text is tokenized with those strings split into ordinary tokens (`text_ids.py`),
so no user message, tool output, argument or assistant prose can forge a turn boundary or a
tool call. The tool-use instruction the format writes into the system prompt (`tools_prompt.py`)
is the format's own text: its markers stay special ids, as a V3.1 server tokenizes them. The rendered text is unchanged (byte-identical to the template); only its ids differ.

Deliberate differences from the official template (it cannot express these):
- thinking-mode training target: with `thinking=True`, the last assistant turn (after a user
  turn, with no user turn after it) that carries reasoning (`reasoning_content`, or `<think>R</think>A` in its content) is written
  `<｜Assistant｜><think>R</think>A<｜end▁of▁sentence｜>`, reasoning trained;
- `tools=` is written into the system prompt (see `tools_prompt.py`);
- `tool_calls: []` counts as no calls (the template would drop the content), `content: None`
  as "", and dict `arguments` are dumped to JSON (the template would fail on both);
- roles other than system/user/assistant/tool raise instead of vanishing silently;
- an assistant message with `weight: 0` (OpenAI fine-tuning) is written as usual but untrained.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from transformers import PreTrainedTokenizerBase

from agent_rl.chat_format.base import ChatFormat, Encoded, Message, PrefixError, content_text
from agent_rl.chat_format.parser import parse_v31
from agent_rl.chat_format.special_tokens import (
    ASSISTANT,
    BOS,
    EOS,
    THINK_BEGIN,
    THINK_END,
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALLS_BEGIN,
    TOOL_CALLS_END,
    TOOL_OUTPUT_BEGIN,
    TOOL_OUTPUT_END,
    TOOL_SEP,
    USER,
    V31_SPECIAL_TOKENS,
)
from agent_rl.chat_format.text_ids import TextEncoder
from agent_rl.chat_format.tools_prompt import TOOLS_INSTRUCTION, tools_system_prompt
from agent_rl.errors import ConfigError, DataError

_ROLES = ("system", "user", "assistant", "tool")


class Seg(NamedTuple):
    """One piece of a rendered conversation."""

    text: str
    special: bool
    trainable: bool


class _State(NamedTuple):
    """The template's `ns.is_last_user` / `ns.is_tool` after some messages."""

    is_last_user: bool = False
    is_tool: bool = False


def _state_after(messages: Sequence[Message]) -> _State:
    """Template state after `messages`: only the last non-system message matters."""
    for msg in reversed(messages):
        role = msg.get("role")
        if role == "user":
            return _State(True, False)
        if role == "tool":
            return _State(False, True)
        if role == "assistant":
            return _State(False, False)
    return _State()


def _tool_calls(msg: Message, index: int) -> list[Mapping[str, Any]]:
    calls = msg.get("tool_calls")
    if calls is None:
        return []
    if not isinstance(calls, list):
        raise DataError("tool_calls must be a list", key=f"messages[{index}].tool_calls")
    return calls


def _call_parts(call: Mapping[str, Any], where: str) -> tuple[str, str]:
    fn = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
        raise DataError("a tool call needs function.name", key=where)
    args = fn.get("arguments", "")
    if not isinstance(args, str):  # the contract says a JSON string; accept a parsed object
        args = json.dumps(args, ensure_ascii=False)
    return fn["name"], args


def _split_reasoning(msg: Message, index: int) -> tuple[str | None, str]:
    """(reasoning, answer) of an assistant message, reasoning None when it has none."""
    content = content_text(msg, index)
    reasoning = msg.get("reasoning_content")
    if THINK_END in content:
        before, content = content.split(THINK_END, 1)
        if reasoning is None:
            reasoning = before[len(THINK_BEGIN) :] if before.startswith(THINK_BEGIN) else before
    return (reasoning if isinstance(reasoning, str) else None), content


def _assistant_body(msg: Message, index: int, *, strip_think: bool) -> Iterator[Seg]:
    """Content and tool calls of one assistant turn, through its end token (all trainable)."""
    calls = _tool_calls(msg, index)
    content = content_text(msg, index)
    if calls:
        # The template keeps a tool-call turn's content verbatim (no `</think>` split).
        yield Seg(content, False, True)
        yield Seg(TOOL_CALLS_BEGIN, True, True)
        for j, call in enumerate(calls):
            name, args = _call_parts(call, f"messages[{index}].tool_calls[{j}]")
            yield Seg(TOOL_CALL_BEGIN, True, True)
            yield Seg(name, False, True)
            yield Seg(TOOL_SEP, True, True)
            yield Seg(args, False, True)
            yield Seg(TOOL_CALL_END, True, True)
        yield Seg(TOOL_CALLS_END, True, True)
    else:
        if strip_think and THINK_END in content:
            content = content.split(THINK_END, 1)[1]
        yield Seg(content, False, True)
    yield Seg(EOS, True, True)


def _segments(
    messages: Sequence[Message],
    *,
    thinking: bool,
    add_generation_prompt: bool,
    state: _State,
    target_index: int | None,
) -> Iterator[Seg]:
    """The non-system part of the template, from `state`; `target_index` gets reasoning."""
    is_last_user, is_tool = state
    for i, msg in enumerate(messages):
        role = msg.get("role")
        if role == "system":
            continue
        if role == "user":
            is_tool, is_last_user = False, True
            yield Seg(USER, True, False)
            yield Seg(content_text(msg, i), False, False)
        elif role == "assistant":
            if msg.get("weight", 1) == 0:  # in the context, never a training target
                yield from (
                    seg._replace(trainable=False)
                    for seg in _segments(
                        [{k: v for k, v in msg.items() if k != "weight"}],
                        thinking=thinking,
                        add_generation_prompt=False,
                        state=_State(is_last_user, is_tool),
                        target_index=0 if i == target_index else None,
                    )
                )
                is_last_user, is_tool = False, False
                continue
            calls = _tool_calls(msg, i)
            if i == target_index and is_last_user:
                reasoning, answer = _split_reasoning(msg, i)
                yield Seg(ASSISTANT, True, False)
                yield Seg(THINK_BEGIN, True, False)
                yield Seg(reasoning or "", False, True)
                yield Seg(THINK_END, True, True)
                yield from _assistant_body({**msg, "content": answer}, i, strip_think=False)
            else:
                if is_last_user:
                    yield Seg(ASSISTANT, True, False)
                    prefix = bool(msg.get("prefix")) and thinking and not calls
                    yield Seg(THINK_BEGIN if prefix else THINK_END, True, False)
                # After tool results the template keeps the content verbatim.
                yield from _assistant_body(msg, i, strip_think=not is_tool)
            is_last_user, is_tool = False, False
        elif role == "tool":
            is_last_user, is_tool = False, True
            yield Seg(TOOL_OUTPUT_BEGIN, True, False)
            yield Seg(content_text(msg, i), False, False)
            yield Seg(TOOL_OUTPUT_END, True, False)
        else:
            raise DataError(
                f"unknown role {role!r} (expected one of {', '.join(_ROLES)})",
                key=f"messages[{i}].role",
            )
    if add_generation_prompt and is_last_user and not is_tool:
        yield Seg(ASSISTANT, True, False)
        yield Seg(THINK_BEGIN if thinking else THINK_END, True, False)


def _system_segments(
    messages: Sequence[Message], tools: Sequence[Mapping[str, Any]] | None
) -> list[Seg]:
    """The system prompt; the tool-use instruction's markers are the format's own (special)."""
    parts = [content_text(m, i) for i, m in enumerate(messages) if m.get("role") == "system"]
    if not tools:
        return [Seg("\n\n".join(parts), False, False)]
    block = tools_system_prompt(tools)  # ends with TOOLS_INSTRUCTION
    head = "\n\n".join([*parts, block[: -len(TOOLS_INSTRUCTION)]])
    return [Seg(head, False, False), *_INSTRUCTION_SEGMENTS]


def _split_specials(text: str) -> list[Seg]:
    """Format-authored text with its special-token strings as special pieces."""
    out: list[Seg] = []
    pos = 0
    while pos < len(text):
        hits = [(text.find(t, pos), t) for t in V31_SPECIAL_TOKENS if text.find(t, pos) >= 0]
        if not hits:
            out.append(Seg(text[pos:], False, False))
            break
        at, tok = min(hits)
        if at > pos:
            out.append(Seg(text[pos:at], False, False))
        out.append(Seg(tok, True, False))
        pos = at + len(tok)
    return out


_INSTRUCTION_SEGMENTS = tuple(_split_specials(TOOLS_INSTRUCTION))


def _thinking_target(messages: Sequence[Message], thinking: bool) -> int | None:
    """Index of the last assistant turn when it should be written as a thinking target.

    Only a final response gets one: once a user turn follows, the official rendering (history
    reasoning dropped) is what an inference server sends, so that is what we write.
    """
    if not thinking:
        return None
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return None
        if messages[i].get("role") == "assistant":
            reasoning, _ = _split_reasoning(messages[i], i)
            return i if reasoning else None
    return None


class DeepSeekV31Format(ChatFormat):
    """The DeepSeek-V3.1 chat format on any tokenizer that has its special tokens."""

    name = "deepseek_v31"

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer
        self._special_ids: dict[str, int] = {}
        for tok in V31_SPECIAL_TOKENS:
            ids = tokenizer.encode(tok, add_special_tokens=False)
            if len(ids) == 1:
                self._special_ids[tok] = ids[0]
            elif tok != "<｜▁pad▁｜>":
                raise ConfigError(
                    f"tokenizer {getattr(tokenizer, 'name_or_path', '?')!r} does not encode the "
                    f"V3.1 token {tok!r} as one id (got {ids})",
                    key="tokenizer",
                )
        self.eos_token_id = self._special_ids[EOS]
        self.bos_token_id = self._special_ids[BOS]
        self.stop_token_ids = [self.eos_token_id]
        # Text pieces never encode to control tokens (see text_ids.py).
        self._encode_batch = TextEncoder(tokenizer).encode_batch

    # ---- text ---------------------------------------------------------------------------
    def _all_segments(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None,
        thinking: bool,
        add_generation_prompt: bool,
    ) -> Iterator[Seg]:
        yield Seg(BOS, True, False)
        yield from _system_segments(messages, tools)
        yield from _segments(
            messages,
            thinking=thinking,
            add_generation_prompt=add_generation_prompt,
            state=_State(),
            target_index=_thinking_target(messages, thinking),
        )

    def render(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
        add_generation_prompt: bool = False,
    ) -> str:
        return "".join(
            s.text for s in self._all_segments(messages, tools, thinking, add_generation_prompt)
        )

    def parse(
        self,
        text: str,
        thinking: bool = False,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        return parse_v31(text, thinking=thinking, tools=tools)

    # ---- ids ----------------------------------------------------------------------------
    def _encode_segments(self, segs: Sequence[Seg]) -> Encoded:
        # Merge neighbouring text pieces with the same flag, then tokenize all texts in one batch.
        merged: list[Seg] = []
        for s in segs:
            if not s.special and not s.text:
                continue
            if (
                merged
                and not s.special
                and not merged[-1].special
                and merged[-1].trainable == s.trainable
            ):
                merged[-1] = Seg(merged[-1].text + s.text, False, s.trainable)
            else:
                merged.append(s)
        texts = [s.text for s in merged if not s.special]
        encoded = iter(self._encode_batch(texts) if texts else [])
        out = Encoded()
        for s in merged:
            ids = [self._special_ids[s.text]] if s.special else next(encoded)
            out.extend(ids, s.trainable)
        return out

    def encode(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> Encoded:
        return self._encode_segments(list(self._all_segments(messages, tools, thinking, False)))

    def encode_prompt(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        thinking: bool = False,
    ) -> list[int]:
        # Ends with the generation prompt after a user turn; after a tool result, with the result
        # (the model continues at once). A last assistant turn with reasoning in thinking mode is
        # written as the model produced it (`<think>R</think>A`), as in `render`.
        return self._encode_segments(
            list(self._all_segments(messages, tools, thinking, True))
        ).input_ids

    def completion_segments(self, assistant_message: Message, thinking: bool = False) -> list[Seg]:
        """Pieces of one assistant turn as the model emits them after the generation prompt."""
        segs: list[Seg] = []
        if thinking:
            reasoning, answer = _split_reasoning(assistant_message, 0)
            segs += [Seg(reasoning or "", False, True), Seg(THINK_END, True, True)]
            assistant_message = {**assistant_message, "content": answer}
        segs += _assistant_body(assistant_message, 0, strip_think=False)
        return segs

    def encode_completion(self, assistant_message: Message, thinking: bool = False) -> list[int]:
        return self._encode_segments(
            self.completion_segments(assistant_message, thinking)
        ).input_ids

    def render_completion(self, assistant_message: Message, thinking: bool = False) -> str:
        return "".join(s.text for s in self.completion_segments(assistant_message, thinking))

    def encode_observation(
        self,
        new_messages: Sequence[Message],
        history: Sequence[Message],
        thinking: bool = False,
    ) -> list[int]:
        if not history:
            return self.encode_prompt(new_messages, thinking=thinking)
        for i, msg in enumerate(new_messages):
            if msg.get("role") == "system":
                raise PrefixError(
                    f"new_messages[{i}] is a system message: V3.1 hoists every system message "
                    "to the top of the conversation, so it cannot be appended mid-episode "
                    "(send it as a user turn instead)"
                )
        segs = _segments(
            new_messages,
            thinking=thinking,
            add_generation_prompt=True,
            state=_state_after(history),
            target_index=None,
        )
        return self._encode_segments(list(segs)).input_ids

    def _turn_markers(self) -> set[int]:
        return {self._special_ids[t] for t in (USER, ASSISTANT, TOOL_OUTPUT_BEGIN)}
