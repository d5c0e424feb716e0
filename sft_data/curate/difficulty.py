"""Difficulty: pass rate over k rollouts of a policy in the record's env, as a label.

A record is verifiable when `meta.env_id` names a registered env and `meta.task` is a task
in that env's schema (`agent_rl.envs.Task`: id, prompt, answer, metadata). Such records are run in
batches through `agent_rl.rollout.RolloutEngine(...).run(tasks=..., group_size=k)`; a
rollout passes when its reward >= `success_threshold`. Failed episodes (infrastructure,
timeouts) are excluded from the rate and counted; a record whose k rollouts all failed is
labelled `unknown`, never `unsolved`. Labels: pass rate >= `easy` -> easy, >= `medium` ->
medium, > 0 -> hard, 0 -> unsolved. Records without env/task pass through unlabelled, at once,
so they come out ahead of the verifiable records of the batch being rolled out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from agent_rl.sft_data.curate.base import Pass, RejectSink

from agent_rl.errors import ConfigError

LABELS = ("easy", "medium", "hard", "unsolved", "unknown")


@dataclass
class DifficultyConfig:
    policy: str = "oracle"
    """A `make_policy` spec: oracle, tiny, a model path, or an OpenAI-compatible URL."""
    k: int = 4
    success_threshold: float = 1.0
    easy: float = 0.8
    medium: float = 0.4
    batch_size: int = 16
    max_turns: int = 8
    max_tokens: int = 1024
    """Tokens per generation (the rollout engine's max_tokens_per_turn)."""
    drop_labels: tuple[str, ...] = ()
    """Labels to reject (e.g. ["easy"] to keep only what the policy still gets wrong)."""


def label_for(rate: float | None, easy: float, medium: float) -> str:
    if rate is None:
        return "unknown"
    if rate >= easy:
        return "easy"
    if rate >= medium:
        return "medium"
    return "hard" if rate > 0 else "unsolved"


class Difficulty(Pass):
    name = "difficulty"

    def __init__(self, config: DifficultyConfig | None = None, on_reject: RejectSink | None = None,
                 chat_format: Any = None, policy: Any = None):
        super().__init__(on_reject)
        c = self.config = config or DifficultyConfig()
        if c.k < 1:
            raise ConfigError(f"must be >= 1, got {c.k}", key="difficulty.k")
        bad = [x for x in c.drop_labels if x not in LABELS]
        if bad:
            raise ConfigError(f"unknown label {bad[0]!r}; allowed: {', '.join(LABELS)}", key="difficulty.drop_labels")
        self._cf = chat_format
        self._policy = policy

    def _engine(self, env_id: str) -> Any:
        from agent_rl.rollout import RolloutEngine, RolloutLimits, make_policy

        if self._cf is None:
            from agent_rl.chat_format import get_chat_format

            self._cf = get_chat_format("deepseek_v31")
        if self._policy is None:
            self._policy = make_policy(self.config.policy, chat_format=self._cf)
        return RolloutEngine(env_id, self._policy, self._cf, RolloutLimits(max_turns=self.config.max_turns,
                                                                          max_tokens_per_turn=self.config.max_tokens))

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        for rec in records:
            meta = rec.get("meta", {})
            if not (isinstance(meta.get("env_id"), str) and isinstance(meta.get("task"), dict)):
                self.counts.notes["not_verifiable"] += 1
                yield rec
                continue
            batch.append(rec)
            if len(batch) >= self.config.batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, batch: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        c = self.config
        by_env: dict[str, list[int]] = {}
        for i, rec in enumerate(batch):
            by_env.setdefault(rec["meta"]["env_id"], []).append(i)
        results: dict[int, dict[str, Any]] = {}
        for env_id, idx in by_env.items():
            engine = self._engine(env_id)
            trajs = engine.run(tasks=[batch[i]["meta"]["task"] for i in idx], group_size=c.k)
            for j, i in enumerate(idx):
                group = trajs[j * c.k : (j + 1) * c.k]
                ok = [t for t in group if not t.failed]
                rate = (sum(t.reward >= c.success_threshold for t in ok) / len(ok)) if ok else None
                results[i] = {
                    "pass_rate": rate,
                    "k": c.k,
                    "failed": len(group) - len(ok),
                    "label": label_for(rate, c.easy, c.medium),
                    "policy": c.policy,
                }
                self.counts.notes["failed_rollouts"] += len(group) - len(ok)
        for i, rec in enumerate(batch):
            d = results[i]
            self.counts.notes[d["label"]] += 1
            if d["label"] in c.drop_labels:
                self.reject(rec, f"difficulty:{d['label']}", f"pass rate {d['pass_rate']}")
                continue
            yield {**rec, "meta": {**rec["meta"], "difficulty": d}}
