"""Token ids, loss masks and incremental appending for the V3.1 format."""

from __future__ import annotations

import pytest

from agent_rl.chat_format import PrefixError
from agent_rl.chat_format.special_tokens import EOS, THINK_END, V31_SPECIAL_TOKENS
from tests.chat_format.v31_conversations import (
    CALC,
    CASES,
    SEARCH,
    WEATHER,
    asst,
    random_conversations,
    sys,
    tool,
    user,
)


def spans(enc):
    """The masked (trainable) runs of ids, as lists."""
    runs, cur = [], []
    for t, m in zip(enc.input_ids, enc.loss_mask, strict=True):
        if m:
            cur.append(t)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def spells_special(messages):
    """Whether any message text spells a V3.1 special token (it then encodes as plain text)."""
    return any(tok in repr(m) for m in messages for tok in V31_SPECIAL_TOKENS)


def assistant_segments(official, messages):
    """Each assistant segment's text, from just after its prefix through its end token."""
    systems = [m for m in messages if m["role"] == "system"]
    msgs = systems + [m for m in messages if m["role"] != "system"]
    out = []
    for i, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        prev = [x for x in msgs[:i] if x["role"] != "system"]
        after_user = bool(prev) and prev[-1]["role"] == "user"
        head = official(msgs[:i], add_generation_prompt=after_user)
        full = official(msgs[: i + 1])
        assert full.startswith(head)
        out.append(full[len(head) :])
    return out


ALL = [m for _, m in CASES] + random_conversations(120, seed=3)


def test_decode_of_encode_is_render_and_ids_equal_plain_tokenization(fmt):
    for messages in ALL:
        for thinking in (False, True):
            enc = fmt.encode(messages, thinking=thinking)
            text = fmt.render(messages, thinking=thinking)
            assert len(enc.input_ids) == len(enc.loss_mask)
            assert fmt.decode(enc.input_ids) == text
            if not spells_special(messages):  # else: tests/chat_format/test_control_tokens.py
                assert enc.input_ids == fmt.tokenizer.encode(text, add_special_tokens=False)
            prompt = fmt.encode_prompt(messages, thinking=thinking)
            assert fmt.decode(prompt) == fmt.render(
                messages, thinking=thinking, add_generation_prompt=True
            )


def test_mask_is_exactly_the_assistant_segments(fmt, official):
    for messages in ALL:
        enc = fmt.encode(messages)
        got = [fmt.decode(r) for r in spans(enc)]
        # Adjacent assistant segments (after tool results) may touch: compare the joined text too.
        want = assistant_segments(official, messages)
        assert "".join(got) == "".join(want), messages
        for r in spans(enc):
            assert r[-1] == fmt.eos_token_id
        if not spells_special(messages):  # spelled specials are several ordinary ids
            assert sum(enc.loss_mask) == sum(
                len(fmt.tokenizer.encode(w, add_special_tokens=False)) for w in want
            )


def test_mask_of_thinking_target(fmt):
    msgs = [sys("S"), user("2+2?"), asst("4", reasoning="2 and 2")]
    enc = fmt.encode(msgs, thinking=True)
    assert [fmt.decode(r) for r in spans(enc)] == ["2 and 2" + THINK_END + "4" + EOS]
    # Earlier turns keep `</think>` in the prompt and train only their answer.
    msgs = [user("a"), asst("b", reasoning="old"), user("c"), asst("d", reasoning="new")]
    enc = fmt.encode(msgs, thinking=True)
    assert [fmt.decode(r) for r in spans(enc)] == ["b" + EOS, "new" + THINK_END + "d" + EOS]
    # The prompt part of a thinking target is exactly the thinking-mode generation prompt.
    prompt = fmt.encode_prompt(msgs[:3], thinking=True)
    assert enc.input_ids[: len(prompt)] == prompt
    assert enc.input_ids[len(prompt) :] == fmt.encode_completion(msgs[3], thinking=True)


def test_special_tokens_are_single_ids_in_encode(fmt):
    msgs = [user("q"), asst("x", [WEATHER, SEARCH]), tool("r"), tool("s", "call_1"), asst("done")]
    enc = fmt.encode(msgs)
    text_ids = fmt.tokenizer.convert_ids_to_tokens(enc.input_ids)
    assert text_ids.count("<｜tool▁call▁begin｜>") == 2
    assert text_ids.count("<｜tool▁output▁begin｜>") == 2
    assert text_ids.count(EOS) == 2


def play(fmt, episode, thinking=False):
    """Build ids turn by turn as a rollout does: prompt, completions, observations."""
    first = next(i for i, m in enumerate(episode) if m["role"] == "assistant")
    history = list(episode[:first])
    ids = fmt.encode_prompt(history, thinking=thinking)
    i = first
    while i < len(episode):
        msg = episode[i]
        assert msg["role"] == "assistant"
        ids += fmt.encode_completion(msg, thinking=thinking)
        history.append(msg)
        j = i + 1
        while j < len(episode) and episode[j]["role"] != "assistant":
            j += 1
        new = episode[i + 1 : j]
        prev = list(ids)
        ids += fmt.encode_observation(new, history, thinking=thinking)
        history += new
        assert fmt.check_prefix(prev, ids) is None
        # The prompt for the next turn, encoded from scratch, is what we hold now.
        assert fmt.check_prefix(ids, fmt.encode_prompt(history, thinking=thinking)) is None
        assert fmt.encode_prompt(history, thinking=thinking) == ids
        i = j
    return ids


EPISODES = [
    [sys("S"), user("q"), asst("", [CALC]), tool("27"), asst("It is 27.")],
    [
        user("q"),
        asst("Checking.", [WEATHER, SEARCH]),
        tool("20C"),
        tool("[]", "call_1"),
        asst("", [CALC]),
        tool("1"),
        asst("ok"),
        user("more?"),
        asst("no"),
    ],
    [sys("你是助手"), user("你好"), asst("你好！"), user("1+1?"), asst("2"), user("thanks")],
    [
        user("q"),
        asst("", [CALC]),
        tool("err"),
        user("try again"),
        asst("", [CALC]),
        tool("27"),
        asst("27"),
    ],
]


@pytest.mark.parametrize("episode", EPISODES)
def test_turn_by_turn_equals_whole_conversation(fmt, episode):
    ids = play(fmt, episode)
    whole = fmt.encode(episode)
    if episode[-1]["role"] == "user":
        assert ids == fmt.encode_prompt(episode)
        assert ids[: len(whole)] == whole.input_ids
    else:
        assert ids == whole.input_ids


def test_thinking_mode_is_not_prefix_stable_and_check_says_so(fmt):
    # V3.1 drops earlier reasoning from history: the whole-conversation prompt differs.
    episode = [user("a"), asst("b", reasoning="thought"), user("c")]
    prompt = fmt.encode_prompt(episode[:1], thinking=True)
    ids = prompt + fmt.encode_completion(episode[1], thinking=True)
    ids += fmt.encode_observation(episode[2:], episode[:2], thinking=True)
    assert (
        fmt.encode_prompt(episode[:2], thinking=True)
        == ids[: -len(fmt.encode_observation(episode[2:], episode[:2]))]
    )
    report = fmt.check_prefix(ids, fmt.encode_prompt(episode, thinking=True))
    assert report is not None and "turn 2" in report


def test_system_message_mid_episode_is_reported(fmt):
    history = [user("q"), asst("a")]
    ids = fmt.encode(history).input_ids
    with pytest.raises(PrefixError, match=r"new_messages\[0\] is a system message"):
        fmt.encode_observation([sys("new rule"), user("next")], history)
    report = fmt.check_prefix(ids, fmt.encode_prompt([*history, sys("new rule"), user("next")]))
    assert report is not None and "prefix violated at token 1 (turn 0)" in report
    assert fmt.check_prefix(ids, ids[:-1]) is not None
    assert fmt.check_prefix(ids, [*ids, 5]) is None


def test_observation_after_tool_result_has_no_generation_prompt(fmt):
    history = [user("q"), asst("", [CALC])]
    obs = fmt.encode_observation([tool("27")], history)
    assert fmt.decode(obs) == "<｜tool▁output▁begin｜>27<｜tool▁output▁end｜>"
    obs = fmt.encode_observation([user("next")], [*history, tool("27"), asst("27")], thinking=True)
    assert fmt.decode(obs) == "<｜User｜>next<｜Assistant｜><think>"
    assert fmt.encode_observation([], history) == []
