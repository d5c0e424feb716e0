"""Curation passes over canonical records; each streams and counts what it keeps and drops."""

from sft_data.curate.base import Pass, unit_hash, user_text
from sft_data.curate.dedup import Dedup, DedupConfig
from sft_data.curate.difficulty import Difficulty, DifficultyConfig, label_for
from sft_data.curate.identity import Identity, IdentityConfig, generate_identity_samples
from sft_data.curate.pairs import PairBuilder, PairsConfig, build_pairs
from sft_data.curate.pipeline import (
    PASSES,
    build_pass,
    load_config,
    parse_config,
    run_passes,
    run_pipeline,
)
from sft_data.curate.quality import ISSUES, Quality, QualityConfig
from sft_data.curate.select import Select, SelectConfig
from sft_data.curate.think_mix import ThinkMix, ThinkMixConfig

__all__ = [
    "ISSUES", "PASSES", "Dedup", "DedupConfig", "Difficulty", "DifficultyConfig", "Identity",
    "IdentityConfig", "PairBuilder", "PairsConfig", "Pass", "Quality", "QualityConfig", "Select",
    "SelectConfig", "ThinkMix", "ThinkMixConfig", "build_pairs", "build_pass",
    "generate_identity_samples", "label_for", "load_config", "parse_config", "run_passes",
    "run_pipeline", "unit_hash", "user_text",
]  # fmt: skip
