"""The session report through the generic eval: oracle, closed book, truncation, the CLI files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from agent_rl.evals import run_eval, write_report

from agent_rl.rollout import Generation, GenerationContext, RolloutLimits, SamplingParams

LIMITS = RolloutLimits(max_turns=24, max_tokens_per_turn=4096, max_total_tokens=8192)


@pytest.fixture(scope="module")
def chat_format() -> Any:
    from agent_rl.chat_format import get_chat_format

    return get_chat_format("deepseek_v31")


class ClosedBook:
    """Answers every question at once, never searching (a model that trusts its memory)."""

    def __init__(self, chat_format: Any) -> None:
        self.cf = chat_format

    async def generate(
        self, prompt_ids: Sequence[int], params: SamplingParams, context: GenerationContext
    ) -> Generation:
        from agent_rl.rollout.backends.oracle import encode_completion

        ids = encode_completion(
            self.cf, {"role": "assistant", "content": "Answer: Kestrel [d1]"}, False
        )
        return Generation(token_ids=ids, logprobs=[0.0] * len(ids))


def test_oracle_report_is_perfect_and_files_are_written(chat_format: Any, tmp_path: Path) -> None:
    report, _ = run_eval(
        "agent_rl/SearchSession-v0",
        "oracle",
        n_tasks=1000,
        chat_format=chat_format,
        limits=LIMITS,
        env_kwargs={"split": "test"},
    )
    m = report.extra["search_sessions"]
    assert report.mean_reward == 1.0 and m["sessions"] == report.n_tasks >= 30
    assert m["accuracy"] == 1.0 and m["evidence_recall"] == 1.0 and m["citation_precision"] == 1.0
    assert set(m["accuracy_by_position"]) == {"1", "2", "3", "4", "5", "6"}
    assert set(m["accuracy_by_tag"]) == {
        "standalone",
        "coreferent",
        "unanswerable",
        "underspecified",
    }
    # one search per new gold document at most (a search may bring a later turn's doc early)
    assert 0.5 < m["searches_vs_minimum"] <= 1.0
    paths = write_report(report, tmp_path)
    assert "## Search sessions" in paths["markdown"].read_text()
    assert paths["accuracy_by_turn"].read_bytes()[:4] == b"\x89PNG"
    assert paths["sessions"].read_text().startswith("# Worst sessions")
    assert json.loads(paths["json"].read_text())["extra"]["search_sessions"]["accuracy"] == 1.0


def test_closed_book_scores_near_zero(chat_format: Any) -> None:
    report, _ = run_eval(
        "agent_rl/SearchSession-v0",
        ClosedBook(chat_format),
        n_tasks=1000,
        chat_format=chat_format,
        limits=LIMITS,
        env_kwargs={"split": "all"},
    )
    m = report.extra["search_sessions"]
    assert report.failed == 0 and m["sessions"] >= 200
    assert report.mean_reward == 0.0 and m["accuracy"] == 0.0
    assert m["searches_per_answer"] == 0.0 and m["citation_precision"] == 0.0


def test_truncated_sessions_count_unreached_turns_as_wrong(chat_format: Any) -> None:
    report, _ = run_eval(
        "agent_rl/SearchSession-v0",
        "oracle",
        n_tasks=12,
        chat_format=chat_format,
        limits=RolloutLimits(max_turns=3, max_tokens_per_turn=4096, max_total_tokens=8192),
        env_kwargs={"split": "test"},
    )
    m = report.extra["search_sessions"]
    assert m["turns"] > m["turns_answered"] > 0
    assert m["accuracy_by_position"]["1"]["accuracy"] > m["accuracy"]
    assert report.extra["worst_sessions_markdown"].count("(not reached)") > 0


@pytest.mark.slow
def test_agent_rl_eval_writes_the_session_report(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    cmd = [
        sys.executable,
        "-m",
        "agent_rl.cli.main",
        "eval",
        "--env",
        "agent_rl/SearchSession-v0",
        "--policy",
        "oracle",
        "--n",
        "8",
        "--env-kwarg",
        "split=test",
        "--max-turns",
        "24",
        "--out-dir",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in (
        "report.json",
        "report.md",
        "sessions.md",
        "accuracy_by_turn.png",
        "search_sessions.json",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "search_sessions.json").read_text())["mean_session_score"] == 1.0
