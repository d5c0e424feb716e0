"""The embedded tiny tokenizer, and loading a real one from a local path.

No tokenizer can be downloaded here, so the default model's tokenizer is trained locally with
the `tokenizers` library: byte-level BPE (any unicode text round-trips), digits split one by one
(a tiny model learns arithmetic far better when 123 is always 1,2,3), and every DeepSeek-V3.1
special token a single id, so the V3.1 format works token for token. The build is deterministic
and cached on disk: it runs once per machine (a few seconds), later loads take milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from agent_rl.chat_format.corpus import corpus_lines
from agent_rl.chat_format.special_tokens import (
    BOS,
    EOS,
    PAD,
    THINK_BEGIN,
    THINK_END,
    V31_SPECIAL_TOKENS,
)
from agent_rl.chat_format.tools_prompt import TOOLS_HEADER, TOOLS_INSTRUCTION
from agent_rl.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

#: Bump when the recipe (corpus, vocab size, pre-tokenizer) changes: it names the cache entry.
TINY_TOKENIZER_VERSION = "v1"
TINY_VOCAB_SIZE = 4096
_TEMPLATE_FILE = Path(__file__).with_name("deepseek_v31.jinja")


def cache_root() -> Path:
    """Where built artefacts live: `$AGENT_RL_CACHE`, else `~/.cache/agent_rl`."""
    env = os.environ.get("AGENT_RL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "agent_rl"


def atomic_build_dir(target: Path, build: Callable[[Path], None]) -> Path:
    """Build into a temp dir beside `target`, then rename it into place.

    Two processes building at once both succeed: the loser of the rename race drops its copy
    and uses the winner's, which is identical because builds are deterministic.
    """
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        build(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _train_backend() -> Tokenizer:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"\p{N}"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    # `<think>`/`</think>` are not "special" in V3.1 (decode keeps them); the rest are.
    specials = [
        AddedToken(t, special=t not in (THINK_BEGIN, THINK_END), normalized=False)
        for t in V31_SPECIAL_TOKENS
    ]
    trainer = trainers.BpeTrainer(
        vocab_size=TINY_VOCAB_SIZE,
        min_frequency=2,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    extra = [TOOLS_HEADER, TOOLS_INSTRUCTION] * 50
    tok.train_from_iterator(list(corpus_lines()) + extra, trainer=trainer)
    return tok


def _wrap(backend: Tokenizer) -> PreTrainedTokenizerFast:
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        clean_up_tokenization_spaces=False,
        model_max_length=2048,
    )
    tok.chat_template = _TEMPLATE_FILE.read_text(encoding="utf-8")
    return tok


def tiny_tokenizer_path() -> Path:
    """Directory of the cached tiny tokenizer, built on first use."""
    target = cache_root() / f"tiny-tokenizer-{TINY_TOKENIZER_VERSION}"

    def build(tmp: Path) -> None:
        log.info("building the tiny tokenizer into %s (once per machine)", target)
        _wrap(_train_backend()).save_pretrained(str(tmp))

    return atomic_build_dir(target, build)


def build_tiny_tokenizer() -> PreTrainedTokenizerFast:
    """The embedded tokenizer (cached on disk; a fresh object on every call)."""
    tok = AutoTokenizer.from_pretrained(str(tiny_tokenizer_path()))
    if not isinstance(tok, PreTrainedTokenizerFast):  # pragma: no cover - defensive
        raise ConfigError(f"expected a fast tokenizer, got {type(tok).__name__}", key="tokenizer")
    return tok


def load_tokenizer(name_or_path: str | os.PathLike[str] = "tiny") -> PreTrainedTokenizerBase:
    """`"tiny"` gives the embedded tokenizer; anything else is a local directory (no hub here)."""
    if str(name_or_path) == "tiny":
        return build_tiny_tokenizer()
    path = Path(name_or_path).expanduser()
    if not path.exists():
        raise ConfigError(
            f"no tokenizer at {path} (use 'tiny' or a local directory; hubs are unreachable)",
            key="tokenizer",
        )
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def tokenizer_fingerprint(tok: PreTrainedTokenizerBase) -> str:
    """A short hash of the vocabulary, to tell tokenizers apart in caches and logs."""
    items = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()[:16]
