"""Loading the policy, its frozen reference copy and PPO's value head; device and precision.

The model is a plain `transformers` causal LM, so a checkpoint's `model/` directory is a
normal Hugging Face model directory that every other part of agent-rl (rollout, eval, serve)
loads with `--policy PATH`.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from agent_rl.errors import ConfigError

log = logging.getLogger(__name__)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"{name!r} asked for but CUDA is not available here", key="device")
    return torch.device(name)


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """bf16 autocast on CUDA where supported, nothing (fp32) on CPU unless asked for."""
    if precision == "fp32":
        return None
    if precision == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return None
    if precision == "bf16":
        return torch.bfloat16
    return torch.float16


@contextlib.contextmanager
def autocast(device: torch.device, dtype: torch.dtype | None) -> Iterator[None]:
    if dtype is None:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield


def load_policy(name: str, dtype: str = "float32") -> tuple[Any, Any]:
    """(model, tokenizer) for `tiny` or a local model directory (train mode, on CPU)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if name == "tiny":
        from agent_rl.models import load_tiny_model

        model, tok = load_tiny_model(dtype=dtype)
    else:
        path = Path(name)
        if not path.is_dir():
            raise ConfigError(
                f"{name!r} is neither 'tiny' nor a local model directory (no hub access here)",
                key="model.name",
            )
        from agent_rl.models import quiet_hf_progress

        with quiet_hf_progress():
            model = AutoModelForCausalLM.from_pretrained(str(path), dtype=getattr(torch, dtype))
        tok = AutoTokenizer.from_pretrained(str(path))
        head = path / "value_head.safetensors"
        if head.is_file():
            add_value_head(model)
            from safetensors.torch import load_file

            model.value_head.load_state_dict(load_file(str(head)))
    model.train()
    return model, tok


def add_value_head(model: Any) -> torch.nn.Linear:
    """Attach PPO's critic: one linear layer on the last hidden state (shared trunk)."""
    if getattr(model, "value_head", None) is not None:
        return model.value_head
    hidden = model.config.hidden_size
    dtype = next(model.parameters()).dtype
    head = torch.nn.Linear(hidden, 1, dtype=dtype)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    model.value_head = head.to(next(model.parameters()).device)
    return model.value_head


def frozen_copy(model: Any) -> Any:
    """The reference policy for KL: a deep copy with gradients off."""
    ref = copy.deepcopy(model)
    if getattr(ref, "value_head", None) is not None:
        del ref.value_head
    ref.eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def save_model(model: Any, tokenizer: Any, path: Path) -> None:
    """A Hugging Face model directory (safetensors) plus the value head when there is one."""
    from safetensors.torch import save_file

    from agent_rl.models import quiet_hf_progress

    head = getattr(model, "value_head", None)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("value_head.")}
    with quiet_hf_progress():
        model.save_pretrained(str(path), state_dict=state, safe_serialization=True)
    tokenizer.save_pretrained(str(path))
    if head is not None:
        save_file(
            {k: v.contiguous() for k, v in head.state_dict().items()},
            str(path / "value_head.safetensors"),
        )


def load_weights(model: Any, path: Path) -> None:
    """Load weights saved by `save_model` into an existing model (resume, next stage)."""
    from safetensors.torch import load_file

    files = sorted(path.glob("model*.safetensors"))
    if not files:
        raise ConfigError(f"no model*.safetensors in {path}", key="checkpoint")
    state: dict[str, torch.Tensor] = {}
    for f in files:
        state.update(load_file(str(f)))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("value_head.")]
    # Tied embeddings are saved once; the tie restores the other name.
    missing = [
        k for k in missing if not (k == "lm_head.weight" and model.config.tie_word_embeddings)
    ]
    if missing or unexpected:
        raise ConfigError(
            f"weights in {path} do not fit the model (missing {missing[:5]}, unexpected {unexpected[:5]})",
            key="checkpoint",
        )
    head_file = path / "value_head.safetensors"
    if head_file.is_file():
        add_value_head(model)
        model.value_head.load_state_dict(load_file(str(head_file)))
