"""The embedded tiny default model and tokenizer, built locally and cached (no hub needed)."""

from agent_rl.models.quiet import quiet_hf_progress
from agent_rl.models.tiny import load_tiny_model, tiny_model_path

__all__ = ["load_tiny_model", "quiet_hf_progress", "tiny_model_path"]
