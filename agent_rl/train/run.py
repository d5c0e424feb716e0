"""Run directories: one folder per run, refusal to clobber, resume only into a matching run.

A run directory holds `config.yaml`, `run.json` (what produced each stage), `summary.json`,
the stage folders (`sft/`, `rl/`, `dpo/`, each with checkpoints, metrics and a `latest` file
naming its final model) and `reward_curve.png`.

The rules, checked before any work (so a run that fails early writes nothing):

- no `--out`: a fresh folder `runs/<command>-<UTC timestamp>`;
- a folder that holds another run's checkpoints is refused unless `resume` (continue it) or
  `overwrite` (replace it; the old files go only when training begins);
- `resume` needs checkpoints to resume from (a typo in `--out` is an error, not a fresh
  start), and every stage that has checkpoints must have been produced by the same settings:
  each stage's *fingerprint* covers the settings that shape its weights (its own section
  and everything upstream), and a mismatch lists the keys that differ;
- a stage whose final checkpoint matches is reused, never retrained; `--from RUN` starts a
  new run from another run's finished stages that match (e.g. DAPO after a GRPO run's SFT).

Importing this module does not import torch.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from agent_rl.errors import ConfigError

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
LATEST = "latest"
#: Files and folders of a run at its top level; `overwrite` removes exactly these.
RUN_ENTRIES = (
    "config.yaml",
    RUN_FILE,
    "summary.json",
    "reward_curve.png",
    "sft",
    "rl",
    "dpo",
)
#: Settings that never change a stage's weights (where and how fast, not what).
_NEUTRAL = ("output_dir", "device", "threads", "plots", "tensorboard", "checkpoint", "precision")
#: Config sections that shape each stage, on top of what the stages before it used.
_STAGE_SECTIONS = {
    "sft": ("sft", "rollout"),
    "rl": ("rl", "rollout", "eval"),
    "dpo": ("dpo",),
}
_COMMON = ("model", "env", "seed")


def default_run_dir(command: str, root: str | Path = "runs", now: datetime | None = None) -> Path:
    """`runs/<command>-<YYYYmmdd-HHMMSS>` (a suffix keeps two runs in one second apart)."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{command.replace(' ', '-')}-{stamp}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"rl": {"lr": 1}} -> {"rl.lr": 1}."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def stage_settings(config: Mapping[str, Any], stages: Iterable[str], stage: str) -> dict[str, Any]:
    """The dotted settings that shape `stage`'s weights when run after the stages before it."""
    order = list(stages)
    sections: list[str] = list(_COMMON)
    for name in order[: order.index(stage) + 1]:
        sections += [s for s in _STAGE_SECTIONS[name] if s not in sections]
    picked = {k: config[k] for k in sections if k in config}
    picked["stages"] = order[: order.index(stage) + 1]
    return {k: v for k, v in flatten(picked).items() if k.split(".")[0] not in _NEUTRAL}


def fingerprint(settings: Mapping[str, Any]) -> str:
    """A short stable hash of JSON-able settings."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def differences(old: Mapping[str, Any], new: Mapping[str, Any], limit: int = 8) -> list[str]:
    """`key: old -> new` lines for the settings that differ."""
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "(unset)"), new.get(key, "(unset)")
        if a != b and json.dumps(a, default=str) != json.dumps(b, default=str):
            lines.append(f"{key}: {a!r} -> {b!r}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more"]
    return lines


def write_text(path: Path, text: str) -> None:
    """Atomic write of a small file, readable by others (0644 under the usual umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _step_dirs(stage_dir: Path) -> list[Path]:
    ckpts = stage_dir / "checkpoints"
    if not ckpts.is_dir():
        return []
    return sorted(
        p for p in ckpts.iterdir() if p.name.startswith("step_") and (p / "COMPLETE").is_file()
    )


def stages_with_checkpoints(out: Path) -> list[str]:
    """Stages of the run in `out` that have at least one complete checkpoint."""
    return [s for s in _STAGE_SECTIONS if _step_dirs(out / s)]


def final_checkpoint(stage_dir: Path) -> Path | None:
    """The stage's last checkpoint when it is marked final (the stage finished)."""
    steps = _step_dirs(stage_dir)
    if not steps:
        return None
    try:
        state = json.loads((steps[-1] / "state.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return steps[-1] if state.get("final") else None


def latest_model(path: str | Path) -> Path | None:
    """The final model a run (or one stage folder of it) produced, via its `latest` files.

    A run folder gives the model of its last finished stage; None when `path` is neither.
    """
    p = Path(path)
    if (p / LATEST).is_file():
        model = p / (p / LATEST).read_text().strip()
        return model if model.is_dir() else None
    run = read_run(p)
    for stage in reversed(run.get("order", [])):
        found = latest_model(p / stage)
        if found is not None:
            return found
    return None


def read_run(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / RUN_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _recorded_settings(out: Path, stage: str, stages: list[str]) -> dict[str, Any] | None:
    """What produced `stage`'s checkpoints: run.json, else the newest checkpoint's config."""
    recorded = read_run(out).get("stages", {}).get(stage)
    if recorded and "settings" in recorded:
        return dict(recorded["settings"])
    steps = _step_dirs(out / stage)
    if not steps or not (steps[-1] / "config.yaml").is_file():
        return None
    import yaml

    config = yaml.safe_load((steps[-1] / "config.yaml").read_text()) or {}
    old_stages = [s for s in config.get("stages", stages) if s in _STAGE_SECTIONS]
    if stage not in old_stages:
        old_stages = stages
    return stage_settings(config, old_stages, stage)


@dataclass
class RunDir:
    """The checked output folder of one `run_pipeline` call."""

    path: Path
    config: dict[str, Any]
    stages: list[str]
    resume: bool = False
    overwrite: bool = False
    command: str = "train"
    created: bool = False
    """True when this run made the folder (a failure before training then removes it)."""
    reuse: dict[str, Path] = field(default_factory=dict)
    """Stages whose matching final checkpoint is reused: {stage: checkpoint}."""
    source: Path | None = None
    """`--from`: the run whose matching finished stages this run starts from (copied in)."""
    _begun: bool = False

    @classmethod
    def check(
        cls,
        path: str | Path,
        config: Mapping[str, Any],
        *,
        resume: bool = False,
        overwrite: bool = False,
        command: str = "train",
        source: str | Path | None = None,
    ) -> RunDir:
        """Check `path` against the rules in the module docstring; creates nothing.

        `source` (`--from RUN`): reuse the leading stages of another run that finished with
        the same settings (a DAPO run from a GRPO run's SFT stage, without retraining it).
        """
        out = Path(path)
        stages = list(config["stages"])
        if resume and overwrite:
            raise ConfigError("--resume continues a run, --overwrite replaces it: pick one")
        if out.exists() and not out.is_dir():
            raise ConfigError(f"{out} exists and is not a directory", key="output_dir")
        parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"cannot write to {parent} (permission denied)", key="output_dir")
        held = stages_with_checkpoints(out) if out.is_dir() else []
        run = cls(
            out,
            dict(config),
            stages,
            resume=resume,
            overwrite=overwrite,
            command=command,
            created=not out.exists(),
        )
        if resume:
            if not held:
                raise ConfigError(
                    f"--resume: {out} holds no checkpoints to resume from{_nearby_runs(out)}",
                    key="output_dir",
                )
            for stage in held:
                if stage not in stages:
                    continue
                new = stage_settings(config, stages, stage)
                old = _recorded_settings(out, stage, stages)
                if old is not None and fingerprint(old) != fingerprint(new):
                    diff = "; ".join(differences(old, new))
                    raise ConfigError(
                        f"--resume: the {stage} checkpoints in {out} were made with other "
                        f"settings ({diff}); resume with the same settings, or start a new run "
                        "(another --out, or --overwrite to replace this one)",
                        key="output_dir",
                    )
                final = final_checkpoint(out / stage)
                if final is not None:
                    run.reuse[stage] = final
        elif held and not overwrite:
            raise ConfigError(
                f"{out} already holds a run (checkpoints of {', '.join(held)}); pass --resume "
                "to continue it, --overwrite to replace it, or choose another --out",
                key="output_dir",
            )
        if source is not None:
            run._check_source(Path(source))
        return run

    def _check_source(self, source: Path) -> None:
        if self.resume:
            raise ConfigError("--from starts a new run from another one; drop --resume")
        if source.resolve() == self.path.resolve():
            raise ConfigError(f"--from {source} is the run's own folder", key="--from")
        if not stages_with_checkpoints(source):
            raise ConfigError(
                f"--from: {source} holds no checkpoints{_nearby_runs(source)}", key="--from"
            )
        for stage in self.stages:
            final = final_checkpoint(source / stage)
            old = _recorded_settings(source, stage, self.stages)
            new = stage_settings(self.config, self.stages, stage)
            if final is None or old is None or fingerprint(old) != fingerprint(new):
                if not self.reuse:
                    why = (
                        "did not finish"
                        if final is None
                        else "was made with other settings ("
                        + "; ".join(differences(old or {}, new))
                        + ")"
                    )
                    raise ConfigError(
                        f"--from: nothing to reuse in {source}: its {stage} stage {why}",
                        key="--from",
                    )
                break
            self.reuse[stage] = final
        self.source = source

    def begin(self) -> None:
        """Called when training is about to start: clear an overwritten run, create the folder,
        record the config and the stages' fingerprints."""
        if self._begun:
            return
        import yaml

        if self.overwrite and self.path.is_dir():
            for name in RUN_ENTRIES:
                target = self.path / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
            log.info("overwrite: removed the previous run's files in %s", self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        if self.source is not None:
            for stage, final in list(self.reuse.items()):
                target = self.path / stage
                if target.exists():
                    shutil.rmtree(target)
                _copy_tree(self.source / stage, target)
                self.reuse[stage] = target / final.relative_to(self.source / stage)
            log.info("--from %s: reusing %s", self.source, ", ".join(self.reuse))
        write_text(self.path / "config.yaml", yaml.safe_dump(self.config, sort_keys=False))
        record = read_run(self.path) if self.resume else {}
        record.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
        record["command"] = self.command
        record["order"] = self.stages
        record.setdefault("stages", {})
        for stage in self.stages:
            settings = stage_settings(self.config, self.stages, stage)
            record["stages"][stage] = {"fingerprint": fingerprint(settings), "settings": settings}
        write_text(self.path / RUN_FILE, json.dumps(record, indent=2, default=str))
        self._begun = True

    def mark_latest(self, stage: str, checkpoint: Path) -> None:
        """`<stage>/latest` names the stage's final model (relative to the stage folder)."""
        stage_dir = self.path / stage
        model = checkpoint / "model"
        write_text(stage_dir / LATEST, os.path.relpath(model, stage_dir) + "\n")

    def abandon(self) -> None:
        """After a failure: remove the folder when this run made it and trained nothing."""
        if self.created and self.path.is_dir() and not stages_with_checkpoints(self.path):
            shutil.rmtree(self.path, ignore_errors=True)
            log.info("removed %s: the run failed before training", self.path)


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy a stage folder, hard-linking files where the filesystem allows (no extra space)."""

    def link_or_copy(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link_or_copy, ignore=shutil.ignore_patterns(LATEST))


def _nearby_runs(out: Path) -> str:
    parent = out.parent if out.parent != Path("") else Path(".")
    if not parent.is_dir():
        return f" ({parent} does not exist)"
    runs = [p.name for p in parent.iterdir() if p.is_dir() and stages_with_checkpoints(p)]
    close = difflib.get_close_matches(out.name, runs, n=3, cutoff=0.4)
    if close:
        return "; did you mean " + ", ".join(str(parent / c) for c in close) + "?"
    if runs:
        recent = sorted(runs)[-3:]
        return "; runs with checkpoints there: " + ", ".join(str(parent / r) for r in recent)
    return ""


def resolve_model(name: str) -> str:
    """`tiny`, a model folder, or a run / stage folder (its final model, via `latest`).

    Raises `ConfigError` with one clear line for a missing or empty folder.
    """
    if name == "tiny":
        return name
    path = Path(name)
    if not path.exists():
        raise ConfigError(
            f"{name!r} is neither 'tiny' nor an existing folder (no hub access here)",
            key="model.name",
        )
    if not path.is_dir():
        raise ConfigError(
            f"{name} is a file; give a model folder or a run folder", key="model.name"
        )
    if (path / "config.json").is_file():
        return str(path)
    found = latest_model(path)
    if found is not None:
        return str(found)
    if not any(path.iterdir()):
        raise ConfigError(f"{name} is an empty folder, not a model", key="model.name")
    raise ConfigError(
        f"{name} holds no model: no config.json, and no finished stage of a run (`latest`)",
        key="model.name",
    )
