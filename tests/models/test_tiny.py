"""The embedded tiny model: shape, tokenizer beside it, determinism, safe concurrent creation."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from agent_rl.chat_format import get_chat_format
from agent_rl.models import load_tiny_model, tiny_model_path


@pytest.fixture(scope="module")
def model_and_tok():
    return load_tiny_model()


def test_tiny_model_shape(model_and_tok):
    model, tok = model_and_tok
    n = sum(p.numel() for p in model.parameters())
    assert 1_000_000 < n < 6_000_000
    assert model.config.vocab_size == len(tok)
    assert model.config.tie_word_embeddings
    assert (
        model.get_input_embeddings().weight.data_ptr()
        == model.get_output_embeddings().weight.data_ptr()
    )
    assert model.config.max_position_embeddings == 2048
    assert model.config.eos_token_id == tok.eos_token_id
    assert (tiny_model_path() / "tokenizer.json").exists()


def test_tiny_model_runs_on_v31_prompt(model_and_tok):
    model, tok = model_and_tok
    fmt = get_chat_format("deepseek_v31", tokenizer=tok)
    ids = fmt.encode_prompt([{"role": "user", "content": "What is 2 + 3?"}])
    with torch.no_grad():
        out = model(torch.tensor([ids]))
    assert out.logits.shape == (1, len(ids), len(tok))
    assert torch.isfinite(out.logits).all()


_CREATE = (
    "from agent_rl.models import tiny_model_path; from safetensors.torch import load_file; "
    "import hashlib; p = tiny_model_path(); w = load_file(str(p / 'model.safetensors')); "
    "print(hashlib.sha256(b''.join(w[k].numpy().tobytes() for k in sorted(w))).hexdigest())"
)


@pytest.mark.slow
def test_two_processes_create_the_same_model_at_once(tmp_path):
    env = {**os.environ, "AGENT_RL_CACHE": str(tmp_path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CREATE],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    digests = {o[0].strip().splitlines()[-1] for o in outs}
    # Same weights in both processes and the same as the shared cache: the init is seeded.
    here = subprocess.run(
        [sys.executable, "-c", _CREATE], capture_output=True, text=True, check=True
    )
    assert digests == {here.stdout.strip().splitlines()[-1]}
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
