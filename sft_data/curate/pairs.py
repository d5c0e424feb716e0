"""Preference pairs for DPO from rollout files: the best against the worst reward of a group.

Input: Trajectory JSONL (`agent_rl.rollout.write_jsonl`; fields `group`, `reward`,
`messages`, `tools`, `termination`). Samples of one group share their prompt; the pair is
`chosen` = highest reward, `rejected` = lowest reward (ties: the first seen), written as
`{"id", "prompt", "chosen", "rejected", "tools", "chosen_reward", "rejected_reward",
"margin", "rule", "group"}` where `prompt` is the messages before the first assistant turn
and `chosen`/`rejected` the rest. Groups are skipped (and counted by reason) when all rewards
are equal, the margin is below `min_margin`, or fewer than two usable samples remain;
failed episodes (infrastructure terminations) are never used.

Streaming: the rollout engine writes a group's samples together, so only the current group's
best and worst are held; a group that reappears after another started is an error unless
`allow_unsorted` (then best/worst of every group are held until the end).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.errors import DataError
from sft_data.io import BadJSON, iter_raw
from sft_data.report import Counts

RULE = "best_vs_worst_reward"
FAILED = frozenset({"step_timeout", "env_error", "backend_error", "infra_error"})


@dataclass
class PairsConfig:
    min_margin: float = 1e-6
    allow_unsorted: bool = False


@dataclass
class _Group:
    best: dict[str, Any] | None = None
    worst: dict[str, Any] | None = None
    n: int = 0
    rewards: set[float] = field(default_factory=set)


def _split(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    k = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), len(messages))
    return messages[:k], messages[k:]


class PairBuilder:
    """Turns a stream of trajectory dicts into preference pairs, counting every trajectory."""

    def __init__(self, config: PairsConfig | None = None) -> None:
        self.config = config or PairsConfig()
        self.counts = Counts("pairs")  # in: trajectories; out: pairs; notes: groups by outcome
        self.skipped: Counter[str] = self.counts.notes

    def _emit(self, name: str, g: _Group) -> Iterator[dict[str, Any]]:
        if g.n < 2 or g.best is None or g.worst is None:
            self.skipped["group_single_sample"] += 1
            return
        margin = float(g.best["reward"]) - float(g.worst["reward"])
        if len(g.rewards) == 1:
            self.skipped["group_equal_rewards"] += 1
            return
        if margin < self.config.min_margin:
            self.skipped["group_below_min_margin"] += 1
            return
        prompt, chosen = _split(g.best.get("messages") or [])
        prompt_r, rejected = _split(g.worst.get("messages") or [])
        if prompt != prompt_r:
            self.skipped["group_prompt_mismatch"] += 1
            return
        self.skipped["groups_paired"] += 1
        yield {
            "id": f"pair:{name}",
            "prompt": prompt,
            "chosen": chosen,
            "rejected": rejected,
            "tools": g.best.get("tools") or [],
            "chosen_reward": float(g.best["reward"]),
            "rejected_reward": float(g.worst["reward"]),
            "margin": margin,
            "rule": RULE,
            "group": name,
            "group_size": g.n,
        }

    def run(self, trajectories: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        groups: dict[str, _Group] = {}
        closed: set[str] = set()
        current: str | None = None
        for t in trajectories:
            self.counts.n_in += 1
            name = str(t.get("group") if t.get("group") is not None else t.get("task_id"))
            if t.get("termination") in FAILED or t.get("error"):
                self.counts.rejected["failed_episode"] += 1
                continue
            if not self.config.allow_unsorted and name != current:
                if current is not None:
                    g = groups.pop(current)
                    closed.add(current)
                    yield from self._count_out(self._emit(current, g))
                if name in closed:
                    raise DataError(
                        f"group {name!r} appears again after other groups; sort by group or set allow_unsorted",
                        key="group",
                    )
                current = name
            g = groups.setdefault(name, _Group())
            g.n += 1
            r = float(t.get("reward", 0.0))
            g.rewards.add(r)
            slim = {"reward": r, "messages": t.get("messages"), "tools": t.get("tools")}
            if g.best is None or r > float(g.best["reward"]):
                g.best = slim
            if g.worst is None or r < float(g.worst["reward"]):
                g.worst = slim
            self.counts.rejected["used_in_group"] += 1  # every usable trajectory lands in a group
        for name, g in groups.items():
            yield from self._count_out(self._emit(name, g))
        # Trajectories are accounted as "used_in_group" or "failed_episode"; pairs are outputs.
        self.counts.n_added = self.counts.n_out

    def _count_out(self, pairs: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for p in pairs:
            self.counts.n_out += 1
            yield p


def iter_trajectories(paths: Iterable[str | Path]) -> Iterator[dict[str, Any]]:
    """Trajectory dicts from rollout JSONL files (a bad line is an error naming file:line)."""
    for path in paths:
        for line, value in iter_raw(path):
            if isinstance(value, BadJSON) or not isinstance(value, dict):
                raise DataError("not a trajectory record", path=str(path), line=line)
            yield value


def build_pairs(paths: Iterable[str | Path], out: str | Path, config: PairsConfig | None = None) -> Counts:
    """Write preference pairs from rollout files to `out` (JSONL); returns the counts."""
    builder = PairBuilder(config)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for pair in builder.run(iter_trajectories(paths)):
            fh.write(json.dumps(pair, ensure_ascii=False) + "\n")
    return builder.counts
