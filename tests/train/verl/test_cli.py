"""Done-when: `agent-rl train --backend verl --env ID --dry-run` for every registered env prints a
command verl's config system accepts, with data verl's dataset class loads; `agent-rl data verl`."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from agent_rl import envs


def _cli(*args: str):
    from agent_rl.cli.main import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _load_with_verl(path, tokenizer_dir: str) -> int:
    from omegaconf import OmegaConf
    from transformers import AutoTokenizer
    from verl.utils.dataset.rl_dataset import RLHFDataset

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    ds = RLHFDataset(str(path), tok, OmegaConf.create({"filter_overlong_prompts": False}))
    row = ds[0]
    assert row["agent_name"] == "agent_rl"
    assert row["raw_prompt"][-1]["role"] == "user"
    assert row["extra_info"]["env_id"] == row["data_source"]
    return len(ds)


def test_data_verl_writes_what_verl_reads(tmp_path):
    from agent_rl.models import tiny_model_path

    result = _cli(
        "data",
        "verl",
        "--env",
        "agent_rl/Math-v0",
        "--split",
        "all",
        "--n",
        "4",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / "all.parquet"
    assert result.output.strip().endswith(str(path))
    table = pq.read_table(path)
    assert table.column_names == [
        "data_source",
        "prompt",
        "ability",
        "reward_model",
        "extra_info",
        "agent_name",
    ]
    assert table.num_rows == 4
    assert _load_with_verl(path, str(tiny_model_path())) == 4


def test_bad_split_names_the_option(tmp_path):
    from agent_rl.errors import ConfigError

    with pytest.raises(ConfigError, match="split"):
        _cli("data", "verl", "--env", "agent_rl/Math-v0", "--split", "dev", "--out", str(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("env_id", envs.list_envs())
def test_train_dry_run_every_registered_env(tmp_path, env_id):
    """New env families registered later are covered automatically."""
    from agent_rl.models import tiny_model_path
    from agent_rl.train.verl.check import check_config

    out = tmp_path / "run"
    result = _cli(
        "train",
        "--backend",
        "verl",
        "--env",
        env_id,
        "--algo",
        "grpo",
        "--dry-run",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    command = result.stdout.strip().splitlines()[-1]
    assert "-m verl.trainer.main_ppo" in command and "algorithm.adv_estimator=grpo" in command
    assert (out / "run.sh").is_file() and (out / "agent_loops.yaml").is_file()
    for split in ("train", "test"):
        assert _load_with_verl(out / "data" / f"{split}.parquet", str(tiny_model_path())) > 0
    saved = (out / "command.txt").read_text().split()
    check_config("sync", [o.strip("'") for o in saved[3:]])
