"""The embedded tiny default model: a ~2.6M-parameter Llama built locally and cached.

No weights can be downloaded here, so demos, tests and CPU training runs use a small
decoder-only model whose vocabulary is the embedded tiny tokenizer (every V3.1 special token
one id). It is created on first use from a fixed seed (the same weights on every machine),
saved with `save_pretrained` next to its tokenizer, and loaded from disk afterwards.
"""

from __future__ import annotations

import logging
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from agent_rl.chat_format.tokenizer import (
    TINY_TOKENIZER_VERSION,
    atomic_build_dir,
    build_tiny_tokenizer,
    cache_root,
)
from agent_rl.models.quiet import quiet_hf_progress

log = logging.getLogger(__name__)

#: Bump when the architecture or init changes: it names the cache entry.
TINY_MODEL_VERSION = "v1"
TINY_SEED = 1234
TINY_ARCH = {
    "hidden_size": 192,
    "intermediate_size": 512,
    "num_hidden_layers": 4,
    "num_attention_heads": 6,
    "num_key_value_heads": 2,
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "tie_word_embeddings": True,
    "initializer_range": 0.02,
}


def _build(tmp: Path) -> None:
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tok = build_tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tok),
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        **TINY_ARCH,
    )
    # A fixed seed and a private generator state: the same weights on every machine.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TINY_SEED)
        model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    with quiet_hf_progress():
        model.save_pretrained(str(tmp))
    tok.save_pretrained(str(tmp))


def tiny_model_path() -> Path:
    """Directory of the cached tiny model (config, weights, tokenizer), created on first use."""
    target = cache_root() / f"tiny-model-{TINY_MODEL_VERSION}-tok{TINY_TOKENIZER_VERSION}"
    if not target.is_dir():
        log.info("creating the tiny model in %s (once per machine)", target)
    return atomic_build_dir(target, _build)


def load_tiny_model(dtype: str = "float32") -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """(model, tokenizer) of the embedded default, in eval mode on CPU."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = tiny_model_path()
    with quiet_hf_progress():
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=getattr(torch, dtype))
    model.eval()
    tok = AutoTokenizer.from_pretrained(str(path))
    return model, tok
