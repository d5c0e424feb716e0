"""Prepare and launch a verl run: data, the agent-loop YAML, `run.sh`, the printed command.

`prepare_run` writes into one folder:
- `data/train.parquet`, `data/test.parquet` (the env's splits; see `data.py`);
- `agent_loops.yaml`: verl's agent-loop list (`agent_rl` -> `AgentRLAgentLoop` with the
  env's turn and token budgets; `tool_agent_v31` -> verl's tool loop with the V3.1 parser);
- `run.sh`: `python -m <verl entry point> <overrides> "$@"`, so `bash run.sh --cfg job` prints
  verl's composed config without starting Ray, and any extra override wins;
- `command.txt`: the same command on one line.
Nothing here imports verl.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_rl.errors import ConfigError
from agent_rl.train.verl.config import VerlRunConfig
from agent_rl.train.verl.data import make_env, verl_rows, write_parquet

logger = logging.getLogger(__name__)


@dataclass
class PreparedRun:
    """What `prepare_run` wrote and the command that launches it."""

    out_dir: Path
    script: Path
    command: list[str]
    n_train: int
    n_test: int

    @property
    def command_line(self) -> str:
        return shlex.join(self.command)


def agent_loop_entries(
    settings: Mapping[str, Any] | None = None,
    *,
    max_turns: int | None = None,
    max_tokens_per_turn: int | None = None,
    thinking: bool = False,
    env_reward: bool = True,
    overlong: tuple[int, float] | None = None,
) -> list[dict[str, Any]]:
    """The agent-loop YAML entries; `settings` is the env's `train_settings`."""
    settings = dict(settings or {})
    loop: dict[str, Any] = {
        "name": "agent_rl",
        "_target_": "agent_rl.train.verl.agent_loop.AgentRLAgentLoop",
        "chat_format": "deepseek_v31",
        "thinking": thinking,
        "max_turns": int(max_turns or settings.get("max_turns") or 8),
        "step_timeout_s": float(settings.get("step_timeout") or 300.0),
        "env_reward": env_reward,
    }
    per_turn = max_tokens_per_turn or settings.get("max_tokens")
    if per_turn:
        loop["max_tokens_per_turn"] = int(per_turn)
    if overlong is not None:
        loop["overlong_buffer_len"], loop["overlong_penalty_factor"] = overlong
    tool = {
        "name": "tool_agent_v31",
        "_target_": "agent_rl.train.verl.tool_parser.V31ToolAgentLoop",
    }
    return [loop, tool]


def write_agent_loops(path: Path, entries: Sequence[Mapping[str, Any]]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump([dict(e) for e in entries], sort_keys=False), encoding="utf-8")
    return path


def launch_script(command: Sequence[str], ray_address: str | None = None) -> str:
    """A bash script that runs `command` and passes its own arguments on to verl."""
    lines = [
        "#!/usr/bin/env bash",
        "# Written by `agent-rl train --backend verl`: extra arguments go to verl,",
        "# e.g. `bash run.sh --cfg job` prints the composed config without starting Ray.",
        "set -euo pipefail",
    ]
    if ray_address:
        lines.append(f"export RAY_ADDRESS={shlex.quote(ray_address)}")
    body = " \\\n  ".join(shlex.quote(part) for part in command)
    lines.append(f'exec {body} \\\n  "$@"')
    return "\n".join(lines) + "\n"


def prepare_run(
    env_id: str,
    out_dir: str | Path,
    run: VerlRunConfig | None = None,
    *,
    model_path: str = "",
    env_kwargs: Mapping[str, Any] | None = None,
    n_train: int | None = None,
    n_test: int | None = None,
    ray_address: str | None = None,
    thinking: bool = False,
    **run_kwargs: Any,
) -> PreparedRun:
    """Write the run folder for `env_id`; `run_kwargs` are `VerlRunConfig` fields."""
    out = Path(out_dir).resolve()
    data_dir = out / "data"
    kwargs = dict(env_kwargs or {})
    train_rows = verl_rows(env_id, "train", n_train, env_kwargs=kwargs)
    try:
        test_rows = verl_rows(env_id, "test", n_test, env_kwargs=kwargs)
    except ConfigError as exc:
        if exc.key != "split":
            raise
        logger.warning("%s has no test tasks: validating on the training tasks", env_id)
        test_rows = train_rows[: n_test or len(train_rows)]
    write_parquet(train_rows, data_dir / "train.parquet")
    write_parquet(test_rows, data_dir / "test.parquet")

    if run is None:
        run = VerlRunConfig(
            model_path=model_path,
            data_dir=str(data_dir),
            agent_loop_config=str(out / "agent_loops.yaml"),
            checkpoint_dir=str(out / "checkpoints"),
            **run_kwargs,
        )
        if "train_batch_size" not in run_kwargs:
            run.fit_batch(len(train_rows))
    env = make_env(env_id, "all", kwargs)
    try:
        settings = dict(getattr(env, "train_settings", {}) or {})
    finally:
        close = getattr(env, "close", None)
        if close is not None:
            close()
    overlong = None
    if run.algo == "dapo":
        overlong = (max(1, run.max_response_length // 4), 1.0)
    write_agent_loops(
        Path(run.agent_loop_config),
        agent_loop_entries(
            settings,
            thinking=thinking,
            env_reward=run.algo != "rm_ppo",
            overlong=overlong,
        ),
    )
    command = [sys.executable, "-m", run.entry_point, *run.overrides()]
    script = out / "run.sh"
    script.write_text(launch_script(command, ray_address), encoding="utf-8")
    script.chmod(0o755)
    (out / "command.txt").write_text(shlex.join(command) + "\n", encoding="utf-8")
    (out / "run.json").write_text(
        json.dumps({"env_id": env_id, "env_kwargs": kwargs, **vars(run)}, indent=2, default=str)
        + "\n",
        encoding="utf-8",
    )
    return PreparedRun(out, script, command, len(train_rows), len(test_rows))


def launch_run(prepared: PreparedRun, extra_args: Sequence[str] = ()) -> int:
    """Run `run.sh` (verl starts or joins Ray); returns its exit code."""
    return subprocess.call(["bash", str(prepared.script), *extra_args], env=dict(os.environ))
