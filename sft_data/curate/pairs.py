"""Preference pairs for DPO from rollout files: the best against the worst reward of a group.

Input: Trajectory JSONL (`agent_rl.rollout.write_jsonl`; fields `group`, `reward`,
`messages`, `tools`, `termination`). Samples of one group share their prompt; the pair is
`chosen` = highest reward, `rejected` = lowest reward (ties: the first seen), written as
`{"id", "prompt", "chosen", "rejected", "tools", "chosen_reward", "rejected_reward",
"margin", "rule", "group"}` where `prompt` is the messages before the first assistant turn
and `chosen`/`rejected` the rest. Groups are skipped (and counted by reason) when all rewards
are equal, the margin is below `min_margin`, or fewer than two usable samples remain;
failed episodes (infrastructure terminations) are never used.

Counts are in trajectories: `in` = trajectories read, `out` = trajectories used in a pair
(two per pair), `rejected` = trajectories not used, by reason (`between_best_and_worst`,
`group_equal_rewards`, `group_below_min_margin`, `group_single_sample`,
`group_prompt_mismatch`, `failed_episode`), so `in = out + rejected`; the notes count the
pairs written (`pairs_written`) and the groups by outcome.

Memory: `agent-rl rollout` writes trajectories as episodes finish, so a group's samples are
interleaved with other groups'. Only each open group's best and worst are held; with
`group_size` set, a group is paired and forgotten as soon as its last sample arrives (memory
bounded by the groups in flight), otherwise groups are paired at the end of the input.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.sft_data.io import BadJSON, iter_raw
from agent_rl.sft_data.report import Counts

from agent_rl.errors import DataError

RULE = "best_vs_worst_reward"


@dataclass
class PairsConfig:
    min_margin: float = 1e-6
    group_size: int | None = None
    """Samples per group (the rollout's --group-size): a group is paired once it has them all."""


@dataclass
class _Group:
    best: dict[str, Any] | None = None
    worst: dict[str, Any] | None = None
    n: int = 0  # usable samples
    seen: int = 0  # samples including failed ones
    rewards: set[float] = field(default_factory=set)


def _split(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    k = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), len(messages))
    return messages[:k], messages[k:]


class PairBuilder:
    """Turns a stream of trajectory dicts into preference pairs, counting every trajectory."""

    def __init__(self, config: PairsConfig | None = None) -> None:
        self.config = config or PairsConfig()
        self.counts = Counts("pairs")  # in/out/rejected: trajectories (see the module docstring)
        self.skipped: Counter[str] = self.counts.notes

    def _emit(self, name: str, g: _Group) -> Iterator[dict[str, Any]]:
        fate = self.counts.rejected
        if g.n < 2 or g.best is None or g.worst is None:
            self.skipped["group_single_sample"] += 1
            fate["group_single_sample"] += g.n
            return
        margin = float(g.best["reward"]) - float(g.worst["reward"])
        if len(g.rewards) == 1:
            self.skipped["group_equal_rewards"] += 1
            fate["group_equal_rewards"] += g.n
            return
        if margin < self.config.min_margin:
            self.skipped["group_below_min_margin"] += 1
            fate["group_below_min_margin"] += g.n
            return
        prompt, chosen = _split(g.best.get("messages") or [])
        prompt_r, rejected = _split(g.worst.get("messages") or [])
        if prompt != prompt_r:
            self.skipped["group_prompt_mismatch"] += 1
            fate["group_prompt_mismatch"] += g.n
            return
        self.skipped["groups_paired"] += 1
        self.skipped["pairs_written"] += 1
        fate["between_best_and_worst"] += g.n - 2
        self.counts.n_out += 2
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
        from agent_rl.rollout import FAILED_TERMINATIONS

        size = self.config.group_size
        groups: dict[str, _Group] = {}
        closed: set[str] = set()
        for t in trajectories:
            self.counts.n_in += 1
            name = str(t.get("group") if t.get("group") is not None else t.get("task_id"))
            if t.get("termination") in FAILED_TERMINATIONS or t.get("error"):
                self.counts.rejected["failed_episode"] += 1
                if size is not None:  # a failed sample still counts towards the group's size
                    g = groups.setdefault(name, _Group())
                    g.seen += 1
                    if g.seen == size:
                        closed.add(name)
                        yield from self._emit(name, groups.pop(name))
                continue
            if name in closed:
                raise DataError(f"group {name!r} has more than group_size={size} trajectories", key="group")
            g = groups.setdefault(name, _Group())
            g.n += 1
            g.seen += 1
            r = float(t.get("reward", 0.0))
            g.rewards.add(r)
            slim = {"reward": r, "messages": t.get("messages"), "tools": t.get("tools")}
            if g.best is None or r > float(g.best["reward"]):
                g.best = slim
            if g.worst is None or r < float(g.worst["reward"]):
                g.worst = slim
            if size is not None and g.seen == size:
                closed.add(name)
                yield from self._emit(name, groups.pop(name))
        for name, g in groups.items():
            yield from self._emit(name, g)


def iter_trajectories(paths: Iterable[str | Path]) -> Iterator[dict[str, Any]]:
    """Trajectory dicts from rollout JSONL files (a bad line is an error naming file:line)."""
    for path in paths:
        for line, value in iter_raw(path):
            if isinstance(value, BadJSON) or not isinstance(value, dict):
                raise DataError("not a trajectory record", path=str(path), line=line)
            yield value


def build_pairs(paths: Iterable[str | Path], out: str | Path, config: PairsConfig | None = None) -> Counts:
    """Write preference pairs from rollout files to `out` (JSONL); returns the counts."""
    from agent_rl.sft_data.io import JsonlWriter, check_outputs

    paths = list(paths)
    check_outputs(paths, {"--out": out})
    builder = PairBuilder(config)
    with JsonlWriter(out) as writer:  # appears only when complete
        for pair in builder.run(iter_trajectories(paths)):
            writer.write(pair)
    return builder.counts
