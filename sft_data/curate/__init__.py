"""Curation passes over canonical records; each streams and counts what it keeps and drops.

What grows with the input (everything else is bounded by one batch, whatever the input size):
- conversion (`agent_rl.sft_data.convert`), `quality`, `identity`, `think_mix`: nothing;
- `dedup`: its key index, 72 bytes per *kept* record (1 exact + 8 band keys of 8 bytes), plus
  merge copies of at most about 1/16 of it and one 8 MB chunk (`minhash.KeyIndex`): about
  70 MB for a million kept records;
- `select`: O(N) small tuples for the N records it keeps (not for its input); its input is
  spooled to a temporary file on disk, not held in memory;
- `difficulty`: one batch of records and their rollouts;
- `pairs`: the best and worst trajectory of each open group (with `group_size`, only the
  groups still receiving samples).
"""

from agent_rl.sft_data.curate.base import Pass, unit_hash, user_text
from agent_rl.sft_data.curate.dedup import Dedup, DedupConfig
from agent_rl.sft_data.curate.difficulty import Difficulty, DifficultyConfig, label_for
from agent_rl.sft_data.curate.identity import Identity, IdentityConfig, generate_identity_samples
from agent_rl.sft_data.curate.pairs import PairBuilder, PairsConfig, build_pairs
from agent_rl.sft_data.curate.pipeline import (
    PASSES,
    build_pass,
    load_config,
    parse_config,
    run_passes,
    run_pipeline,
)
from agent_rl.sft_data.curate.quality import ISSUES, Quality, QualityConfig
from agent_rl.sft_data.curate.select import Select, SelectConfig
from agent_rl.sft_data.curate.think_mix import ThinkMix, ThinkMixConfig

__all__ = [
    "ISSUES", "PASSES", "Dedup", "DedupConfig", "Difficulty", "DifficultyConfig", "Identity",
    "IdentityConfig", "PairBuilder", "PairsConfig", "Pass", "Quality", "QualityConfig", "Select",
    "SelectConfig", "ThinkMix", "ThinkMixConfig", "build_pairs", "build_pass",
    "generate_identity_samples", "label_for", "load_config", "parse_config", "run_passes",
    "run_pipeline", "unit_hash", "user_text",
]  # fmt: skip
