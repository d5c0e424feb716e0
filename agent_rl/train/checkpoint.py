"""Atomic checkpoints: a run killed at any moment (SIGKILL included) resumes from the last one.

A checkpoint is written into a hidden temp directory beside its final place, every file is
fsynced, and only then the directory is renamed to `step_NNNNNN` (rename is atomic on POSIX).
A `COMPLETE` marker is the last file written before the rename, so a directory without it is
never trusted. Leftover temp directories from a killed run are removed on the next start.
`MANIFEST.json` (size and sha256 of each file) is written just before the marker: a checkpoint
whose bytes changed later (disk error, bad copy) is skipped with a warning and the previous one
is used instead of failing the resume.

Contents: `model/` (a Hugging Face directory with safetensors weights and the tokenizer, plus
`value_head.safetensors` for PPO), `optimizer.pt`, `scheduler.pt`, `rng.pt` (python, numpy,
torch and CUDA generator states), `state.json` (step, stage, anything the trainer adds) and
`config.yaml` (the resolved run config).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent_rl.train.modeling import load_weights, save_model

log = logging.getLogger(__name__)

_STEP_DIR = re.compile(r"^step_(\d{6,})$")
MARKER = "COMPLETE"


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a small file atomically (temp file in the same directory, fsync, replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


MANIFEST = "MANIFEST.json"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(root: Path) -> None:
    """Size and sha256 of every file: a completion marker proves the write finished, the
    manifest proves the bytes are still the ones written (disk errors, partial copies)."""
    files = {
        str(p.relative_to(root)): [p.stat().st_size, _digest(p)]
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, MARKER)
    }
    (root / MANIFEST).write_text(json.dumps(files, indent=1))


def verify_checkpoint(path: Path) -> str | None:
    """None when the checkpoint's files are intact; otherwise what is wrong.

    With a manifest every file's size and hash is checked; an older checkpoint without one
    gets the cheap checks (state.json parses, safetensors headers read).
    """
    try:
        json.loads((path / "state.json").read_text())
    except (OSError, ValueError) as exc:
        return f"state.json unreadable: {exc}"
    manifest = path / MANIFEST
    if manifest.is_file():
        try:
            files = json.loads(manifest.read_text())
        except ValueError as exc:
            return f"{MANIFEST} unreadable: {exc}"
        for rel, (size, digest) in files.items():
            f = path / rel
            if not f.is_file():
                return f"{rel} is missing"
            if f.stat().st_size != size:
                return f"{rel} has {f.stat().st_size} bytes, {size} were written"
            if _digest(f) != digest:
                return f"{rel} does not match its sha256 (corrupted)"
        return None
    from safetensors import safe_open

    for f in sorted((path / "model").glob("*.safetensors")):
        try:
            with safe_open(str(f), framework="pt") as st:
                st.keys()
        except Exception as exc:
            return f"{f.relative_to(path)} unreadable: {exc}"
    return None


class CheckpointManager:
    """Saves and finds the checkpoints of one stage under `root` (e.g. `run/rl/checkpoints`)."""

    def __init__(self, root: str | Path, keep: int = 2) -> None:
        self.root = Path(root)
        self.keep = keep
        self._checked: dict[tuple[str, int], str | None] = {}

    def clean_partial(self) -> None:
        """Remove temp directories and unmarked step directories left by a killed run."""
        if not self.root.is_dir():
            return
        for child in self.root.iterdir():
            partial = child.name.startswith(".tmp-") and child.is_dir()
            unmarked = bool(_STEP_DIR.match(child.name)) and not (child / MARKER).is_file()
            if partial or unmarked:
                shutil.rmtree(child, ignore_errors=True)

    def list(self) -> list[tuple[int, Path]]:
        if not self.root.is_dir():
            return []
        found = []
        for child in self.root.iterdir():
            m = _STEP_DIR.match(child.name)
            if m and (child / MARKER).is_file():
                found.append((int(m.group(1)), child))
        return sorted(found)

    def latest(self) -> Path | None:
        """The newest checkpoint that verifies; a corrupt newer one is skipped with a warning
        (so a resume falls back to the previous checkpoint instead of failing)."""
        for _, path in reversed(self.list()):
            problem = self._verified(path)
            if problem is None:
                return path
            log.warning("checkpoint %s is corrupt (%s); falling back to the previous one", path,
                        problem)
        return None

    def _verified(self, path: Path) -> str | None:
        key = (str(path), (path / MARKER).stat().st_mtime_ns)
        if key not in self._checked:
            self._checked[key] = verify_checkpoint(path)
        return self._checked[key]

    def load_latest(
        self,
        model: Any,
        optimizer: torch.optim.Optimizer | None = None,
        scheduler: Any = None,
        restore_rng: bool = True,
    ) -> tuple[Path | None, dict[str, Any]]:
        """Load the newest checkpoint that loads, falling back (with a warning) past any that
        fails to; `(None, {})` when there is none. Each try restores everything it touches."""
        for _, path in reversed(self.list()):
            problem = self._verified(path)
            if problem is None:
                try:
                    return path, load_checkpoint(path, model, optimizer, scheduler, restore_rng)
                except Exception as exc:
                    problem = f"{type(exc).__name__}: {exc}"
            log.warning("checkpoint %s is corrupt (%s); falling back to the previous one", path,
                        problem)
        return None, {}

    def save(
        self,
        step: int,
        model: Any,
        tokenizer: Any,
        optimizer: torch.optim.Optimizer | None,
        scheduler: Any,
        state: dict[str, Any],
        config: dict[str, Any],
    ) -> Path:
        import yaml

        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / f"step_{step:06d}"
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            save_model(model, tokenizer, tmp / "model")
            if optimizer is not None:
                torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
            if scheduler is not None:
                torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
            torch.save(rng_state(), tmp / "rng.pt")
            (tmp / "state.json").write_text(json.dumps({**state, "step": step}, indent=2))
            (tmp / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
            write_manifest(tmp)
            (tmp / MARKER).write_text("ok\n")
            _fsync_tree(tmp)
            if final.exists():  # re-saving the same step (e.g. final == periodic)
                shutil.rmtree(final)
            os.rename(tmp, final)
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._prune()
        log.debug("checkpoint saved: %s", final)
        return final

    def _prune(self) -> None:
        items = self.list()
        for _, path in items[: max(0, len(items) - self.keep)]:
            if (path / "state.json").is_file():
                st = json.loads((path / "state.json").read_text())
                if st.get("final"):
                    continue
            shutil.rmtree(path, ignore_errors=True)


def load_checkpoint(
    path: Path,
    model: Any,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Restore weights, optimizer, scheduler and RNG from `path`; return its state dict."""
    load_weights(model, path / "model")
    if optimizer is not None and (path / "optimizer.pt").is_file():
        optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=False))
    if scheduler is not None and (path / "scheduler.pt").is_file():
        scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=False))
    if restore_rng and (path / "rng.pt").is_file():
        set_rng_state(torch.load(path / "rng.pt", weights_only=False))
    return json.loads((path / "state.json").read_text())
