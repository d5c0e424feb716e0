"""Training examples from files and rollouts: token ids with the loss mask that says what is trained.

Three file kinds feed SFT (and DPO reads conversation pairs):
- tokenized JSONL: `{"input_ids": [...], "loss_mask": [...]}` per line (what
  `agent-rl sft convert --tokenized` writes), used as is;
- conversations JSONL: canonical records `{"messages": [...], "tools": [...]?,
  "meta": {"thinking": bool}?}` per line (top-level `"thinking"` also read), encoded by the
  one conversation encoder the SFT data tools use (every assistant segment through its end
  token is trained, except turns marked `weight: 0`);
- trajectories JSONL (`agent_rl.rollout.write_jsonl`): prompt ids plus response ids with the
  trajectory's own mask, so observation tokens stay untrained exactly as in RL.
Every bad line raises `DataError` naming the file, the line and the key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl

log = logging.getLogger(__name__)


@dataclass
class Example:
    """One training sequence: ids and a 0/1 mask of the same length (1 = predict this token)."""

    input_ids: list[int]
    loss_mask: list[int]

    def truncated(self, max_length: int) -> Example:
        return Example(self.input_ids[:max_length], self.loss_mask[:max_length])


def _int_list(obj: dict[str, Any], key: str, path: str, line: int) -> list[int]:
    value = obj.get(key)
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise DataError("expected a list of integers", path=path, line=line, key=key)
    return value


def load_tokenized(path: str | Path) -> list[Example]:
    """Examples from a tokenized JSONL file (input_ids + loss_mask per line)."""
    out = []
    for lineno, obj in iter_jsonl(path):
        ids = _int_list(obj, "input_ids", str(path), lineno)
        mask = _int_list(obj, "loss_mask", str(path), lineno)
        if len(ids) != len(mask):
            raise DataError(
                f"{len(ids)} input_ids but {len(mask)} loss_mask entries",
                path=str(path),
                line=lineno,
                key="loss_mask",
            )
        if any(m not in (0, 1) for m in mask):
            raise DataError(
                "loss_mask entries must be 0 or 1", path=str(path), line=lineno, key="loss_mask"
            )
        out.append(Example(ids, mask))
    return out


def encode_conversation(
    chat_format: Any, obj: dict[str, Any], path: str = "", line: int = 0
) -> Example:
    """One conversation record through THE encoder (`agent_rl.chat_format.conversation`):
    thinking from `meta.thinking` (or top-level `thinking`), `weight: 0` turns untrained."""
    from agent_rl.chat_format.conversation import encode_record

    messages = obj.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DataError(
            "expected a non-empty list of messages",
            path=path or None,
            line=line or None,
            key="messages",
        )
    try:
        enc = encode_record(chat_format, obj)
    except Exception as exc:
        raise DataError(
            f"cannot encode: {exc}", path=path or None, line=line or None, key="messages"
        ) from exc
    return Example(list(enc.input_ids), list(enc.loss_mask))


def load_conversations(path: str | Path, chat_format: Any) -> list[Example]:
    """Examples from canonical conversation JSONL, encoded with the chat format's masks."""
    return [
        encode_conversation(chat_format, obj, str(path), lineno) for lineno, obj in iter_jsonl(path)
    ]


def trajectory_example(traj: Any) -> Example:
    """Prompt ids (never trained) + response ids with the trajectory's own loss mask."""
    return Example(
        list(traj.prompt_ids) + list(traj.response_ids),
        [0] * len(traj.prompt_ids) + [int(m) for m in traj.loss_mask],
    )


def without_tool_turns(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The opening messages plus the final answer, with every tool call and result between
    them dropped; None when there is nothing to drop (no tool turn, or no final answer).

    This is a demonstration by a teacher that works the answer out without showing tool use,
    the shape of most distillation data: it teaches *what* to answer but not *how* to get it.
    """
    first = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), None)
    if first is None:
        return None
    final = messages[-1]
    if final.get("role") != "assistant" or final.get("tool_calls"):
        return None
    if not any(m.get("role") == "tool" or m.get("tool_calls") for m in messages[first:]):
        return None
    return [dict(m) for m in messages[:first]] + [dict(final)]


def load_trajectories(path: str | Path, min_reward: float | None = None) -> list[Example]:
    """Examples from trajectory JSONL; failed episodes (and those under `min_reward`) are
    skipped and counted in the log."""
    from agent_rl.rollout import read_jsonl

    out, skipped = [], 0
    for traj in read_jsonl(path):
        if traj.failed or (min_reward is not None and traj.reward < min_reward):
            skipped += 1
            continue
        traj.check()
        out.append(trajectory_example(traj))
    if skipped:
        log.info("%s: skipped %d failed or low-reward trajectories", path, skipped)
    return out


def detect_source(path: str | Path) -> str:
    """tokenized / conversations / trajectories, from the keys of the file's first record."""
    for lineno, obj in iter_jsonl(path):
        if "input_ids" in obj:
            return "tokenized"
        if "response_ids" in obj:
            return "trajectories"
        if "messages" in obj:
            return "conversations"
        raise DataError(
            f"cannot tell the file kind from keys {sorted(obj)[:6]}; expected input_ids "
            "(tokenized), messages (conversations) or response_ids (trajectories)",
            path=str(path),
            line=lineno,
        )
    raise DataError("file is empty", path=str(path))


def load_examples(source: str, files: Sequence[str], chat_format: Any) -> list[Example]:
    """Examples from `files` of kind `source` (`auto`: detected per file)."""
    loaders = {
        "tokenized": load_tokenized,
        "conversations": lambda p: load_conversations(p, chat_format),
        "trajectories": lambda p: load_trajectories(p, min_reward=None),
    }
    out: list[Example] = []
    for f in files:
        kind = detect_source(f) if source == "auto" else source
        out.extend(loaders[kind](f))
    if not out:
        raise DataError(f"no examples in {list(files)}", key="sft.data")
    return out


@dataclass
class PreferencePair:
    """Chosen and rejected continuations of one shared prompt, as token ids with masks."""

    prompt_ids: list[int]
    chosen_ids: list[int]
    chosen_mask: list[int]
    rejected_ids: list[int]
    rejected_mask: list[int]


def _split_shared_prompt(a: Example, b: Example) -> int:
    n = 0
    for x, y in zip(a.input_ids, b.input_ids, strict=False):
        if x != y:
            break
        n += 1
    return n


def load_pairs(path: str | Path, chat_format: Any) -> list[PreferencePair]:
    """DPO pairs: `{"prompt": [...], "chosen": [...], "rejected": [...], "tools"?: [...]}` where
    chosen/rejected are the assistant (and tool) messages that follow the prompt messages; or
    `{"chosen": [full conversation], "rejected": [full conversation]}` sharing a prefix."""
    pairs = []
    for lineno, obj in iter_jsonl(path):
        for key in ("chosen", "rejected"):
            if not isinstance(obj.get(key), list) or not obj[key]:
                raise DataError(
                    "expected a non-empty list of messages", path=str(path), line=lineno, key=key
                )
        prompt = obj.get("prompt") or []
        if not isinstance(prompt, list):
            raise DataError(
                "expected a list of messages", path=str(path), line=lineno, key="prompt"
            )
        # Everything but the messages, so thinking mode follows the one encoder's rule
        # (`meta.thinking`, else top-level `thinking`) as for every other record.
        base = {k: v for k, v in obj.items() if k not in ("prompt", "chosen", "rejected")}
        chosen = encode_conversation(
            chat_format, {**base, "messages": prompt + obj["chosen"]}, str(path), lineno
        )
        rejected = encode_conversation(
            chat_format, {**base, "messages": prompt + obj["rejected"]}, str(path), lineno
        )
        shared = _split_shared_prompt(chosen, rejected)
        # The prompt ends where both sides' first trained token starts (or where they differ).
        first_c = chosen.loss_mask.index(1) if 1 in chosen.loss_mask else len(chosen.input_ids)
        first_r = (
            rejected.loss_mask.index(1) if 1 in rejected.loss_mask else len(rejected.input_ids)
        )
        cut = min(shared, first_c, first_r)
        if cut == 0:
            raise DataError(
                "chosen and rejected share no prompt", path=str(path), line=lineno, key="prompt"
            )
        c_mask, r_mask = chosen.loss_mask[cut:], rejected.loss_mask[cut:]
        if not any(c_mask) or not any(r_mask):
            raise DataError(
                "no assistant tokens after the shared prompt",
                path=str(path),
                line=lineno,
                key="chosen",
            )
        pairs.append(
            PreferencePair(
                chosen.input_ids[:cut],
                chosen.input_ids[cut:],
                c_mask,
                rejected.input_ids[cut:],
                r_mask,
            )
        )
    if not pairs:
        raise DataError("no pairs in file", path=str(path))
    return pairs
