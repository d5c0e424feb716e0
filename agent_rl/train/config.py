"""Typed training configs: one dataclass tree, loaded from YAML, overridden from the CLI.

Every option of `agent-rl train` lives here, so a YAML file and the command line set the same
things. Loading is strict: an unknown key is rejected with its close matches, a value of the
wrong type or outside its allowed set raises `ConfigError` naming the dotted key and what is
allowed. Algorithm-dependent defaults (DAPO's clip-higher, GSPO's tiny clip range and
sequence-level aggregation) are `None` in the file and filled in by `resolve()`, so a user who
sets them explicitly always wins.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.errors import ConfigError

ALGOS = ("grpo", "ppo", "dapo", "gspo")
STAGES = ("sft", "rl", "dpo")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: verl's `agg_loss` modes (checked against verl 0.9.1's ActorConfig validation).
LOSS_AGG_MODES = (
    "token-mean",
    "token-sum",
    "seq-mean-token-sum",
    "seq-mean-token-mean",
    "seq-mean-token-sum-norm",
)
#: verl's `kl_penalty` estimators.
KL_TYPES = ("kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3", "k1+", "k3+", "low_var_kl+")
SCHEDULES = ("cosine", "linear", "constant")
OLD_LOGPROBS = ("recompute", "rollout")
DIVERGENCE_MODES = ("warn", "stop", "off")
SFT_SOURCES = ("oracle", "tokenized", "conversations", "trajectories", "auto")


@dataclass
class ModelConfig:
    name: str = "tiny"
    """`tiny` (the embedded default, built locally) or a local Hugging Face model directory."""
    dtype: str = "float32"
    """Dtype of the master weights (`float32` keeps AdamW stable; bf16 compute is autocast)."""


@dataclass
class EnvConfig:
    id: str = "agent_rl/Calculator-v0"
    """Gymnasium id of the training environment."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments for `agent_rl.envs.make` (training and SFT episodes)."""
    eval_kwargs: dict[str, Any] | None = None
    """Keyword arguments of the held-out env. None: what the env class declares for the
    training kwargs (`AgentEnv.held_out_kwargs`: by default the same source's test split,
    `split="test"`), so held-out tasks are never training tasks."""
    train_seed_start: int = 0
    """Training tasks use seeds from here upwards."""
    eval_seed_start: int = 1_000_000
    """Held-out tasks use seeds from here upwards (disjoint from training seeds)."""
    thinking: bool = False
    """Encode prompts in V3.1 thinking mode."""


@dataclass
class RolloutConfig:
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 48
    """Most tokens per assistant turn."""
    max_turns: int = 4
    """Most assistant turns per episode."""
    max_total_tokens: int = 1024
    """Most prompt+response tokens per episode."""
    step_timeout_s: float = 60.0
    concurrency: int = 64
    """Episodes run at once (the transformers backend batches their generations)."""

    def limits(self) -> Any:
        """These budgets as the rollout layer's `RolloutLimits`."""
        from agent_rl.rollout import RolloutLimits

        return RolloutLimits(
            max_turns=self.max_turns,
            max_tokens_per_turn=self.max_tokens,
            max_total_tokens=self.max_total_tokens,
            step_timeout_s=self.step_timeout_s,
        )


@dataclass
class RLConfig:
    algo: str = "grpo"
    """grpo | ppo | dapo | gspo."""
    steps: int = 20
    """Optimizer rounds (one batch of rollouts each)."""
    tasks_per_step: int = 8
    """Distinct tasks (prompts) per step."""
    group_size: int = 8
    """Completions sampled per task (GRPO group; PPO uses it too)."""
    lr: float = 3e-4
    warmup_steps: int = 2
    schedule: str = "cosine"
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.99)
    max_grad_norm: float = 1.0
    mini_batches: int = 1
    """Optimizer updates per step (the batch is split into this many mini-batches)."""
    micro_batch_size: int = 64
    """Sequences per forward/backward; mini-batches are accumulated over micro-batches."""
    ppo_epochs: int = 1
    old_logprobs: str = "recompute"
    """`recompute` with the policy before the update, or reuse the `rollout` logprobs."""
    kl_coef: float = 0.0
    """Weight of the KL-to-reference loss (0 skips the reference model)."""
    kl_type: str = "low_var_kl"
    entropy_coef: float = 0.0
    clip_ratio: float = 0.2
    clip_ratio_low: float | None = None
    """None: the algorithm's default (clip_ratio; GSPO 3e-4)."""
    clip_ratio_high: float | None = None
    """None: the algorithm's default (clip_ratio; DAPO 0.28; GSPO 4e-4)."""
    clip_ratio_c: float = 3.0
    loss_agg_mode: str | None = None
    """None: token-mean (GSPO: seq-mean-token-mean)."""
    norm_adv_by_std: bool = True
    """GRPO: divide by the group's std (False is Dr.GRPO)."""
    dynamic_sampling: bool | None = None
    """Drop groups whose rewards are all equal and sample more (None: on for DAPO)."""
    max_sampling_rounds: int = 3
    """Dynamic sampling: most extra rollout rounds per step to refill the batch."""
    overlong_buffer: int | None = None
    """Soft overlong penalty: tokens before the limit where it starts (None: DAPO 16, else 0)."""
    overlong_penalty: float = 1.0
    """Penalty at the limit (linear from 0 at the buffer start)."""
    max_response_tokens: int | None = None
    """Length the overlong penalty measures against (None: max_turns * max_tokens)."""
    gamma: float = 1.0
    lam: float = 0.95
    vf_coef: float = 0.5
    cliprange_value: float = 0.5
    value_lr: float | None = None
    """PPO: learning rate of the value head (None: 10x lr)."""
    success_threshold: float = 1.0
    """An episode counts as a success when its reward is at least this."""
    share_prefix: bool = True
    """Run the prompts' common prefix (system prompt, tool specs) once per batch."""
    divergence: str = "warn"
    """warn | stop | off: what the divergence guard does on a reward collapse, an entropy
    near uniform or a KL above `max_kl` (see `agent_rl.train.guard`)."""
    max_kl: float = 1.0
    """KL to the reference (per token) above which the guard fires."""


@dataclass
class SFTConfig:
    source: str = "oracle"
    """oracle (rollouts of the oracle policy on training seeds) | tokenized | conversations |
    trajectories | auto (detected per file from its first record)."""
    data: list[str] = field(default_factory=list)
    """Files for tokenized/conversations/trajectories sources (JSONL)."""
    episodes: int = 1024
    """Oracle source: episodes to generate (training seeds, disjoint from eval seeds)."""
    seed_start: int | None = None
    """Oracle source: first seed (None: far from RL and eval seeds)."""
    drop_tool_turns: float = 0.6
    """Oracle source: share of demonstrations whose tool calls and results are dropped, leaving
    the prompt and the final answer (a teacher that answers without showing its tool use, like
    most distillation data). The default 0.6 is the embedded demo's teacher: SFT then teaches
    the format and the tool call, but leaves the model preferring to answer from memory, which
    RL corrects. 0 keeps every demonstration whole."""
    steps: int = 400
    epochs: int | None = None
    """If set, overrides `steps` with this many passes over the data."""
    batch_size: int = 16
    micro_batch_size: int = 16
    lr: float = 2e-3
    warmup_steps: int = 5
    schedule: str = "cosine"
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    max_length: int = 1024
    """Longer examples are truncated (their loss mask with them)."""


@dataclass
class DPOConfig:
    data: list[str] = field(default_factory=list)
    """JSONL pairs: {"prompt": [messages], "chosen": [messages], "rejected": [messages], "tools"?}."""
    beta: float = 0.1
    steps: int = 30
    batch_size: int = 8
    micro_batch_size: int = 8
    lr: float = 5e-5
    warmup_steps: int = 2
    schedule: str = "constant"
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    max_length: int = 1024


@dataclass
class EvalConfig:
    episodes: int = 64
    """Held-out episodes (seeds from env.eval_seed_start)."""
    every: int = 5
    """Also evaluate every N RL steps (0: only before and after)."""
    temperature: float = 0.0
    """0 is greedy decoding."""


@dataclass
class CheckpointConfig:
    every: int = 10
    """Checkpoint every N steps (and always at the end of a stage)."""
    keep: int = 2
    """Checkpoints kept per stage (the newest)."""


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    env: EnvConfig = field(default_factory=EnvConfig)
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    rl: RLConfig = field(default_factory=RLConfig)
    sft: SFTConfig = field(default_factory=SFTConfig)
    dpo: DPOConfig = field(default_factory=DPOConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    stages: list[str] = field(default_factory=lambda: ["sft", "rl"])
    """Stages run in order: any of sft, rl, dpo."""
    output_dir: str = ""
    """The run's folder; empty: a new `runs/<command>-<timestamp>` (see `agent_rl.train.run`)."""
    device: str = "auto"
    """auto (cuda when available), cpu, cuda, cuda:N."""
    precision: str = "auto"
    """auto (bf16 autocast on CUDA, fp32 on CPU), fp32, bf16, fp16."""
    seed: int = 0
    threads: int = 0
    """torch CPU threads (0: leave torch's default)."""
    plots: bool = True
    tensorboard: bool = True

    # -- derived values ---------------------------------------------------------------------
    def resolve(self) -> TrainConfig:
        """Validate every field and fill the algorithm-dependent defaults (returns self)."""
        validate(self)
        rl = self.rl
        if rl.clip_ratio_low is None:
            rl.clip_ratio_low = 3e-4 if rl.algo == "gspo" else rl.clip_ratio
        if rl.clip_ratio_high is None:
            rl.clip_ratio_high = {"dapo": 0.28, "gspo": 4e-4}.get(rl.algo, rl.clip_ratio)
        if rl.loss_agg_mode is None:
            rl.loss_agg_mode = "seq-mean-token-mean" if rl.algo == "gspo" else "token-mean"
        if rl.dynamic_sampling is None:
            rl.dynamic_sampling = rl.algo == "dapo"
        if rl.overlong_buffer is None:
            rl.overlong_buffer = 16 if rl.algo == "dapo" else 0
        if rl.max_response_tokens is None:
            rl.max_response_tokens = self.rollout.max_turns * self.rollout.max_tokens
        if rl.value_lr is None:
            rl.value_lr = rl.lr * 10
        validate(self)
        return self

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(dataclasses.asdict(self))


def _to_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    return value


# -- loading ---------------------------------------------------------------------------------
def load_config(
    path: str | Path | None = None,
    overrides: Sequence[str] | Mapping[str, Any] = (),
) -> TrainConfig:
    """Defaults, then the YAML file, then overrides (`rl.lr=1e-4` strings or a dotted mapping)."""
    import yaml

    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist", key="config")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
            raise ConfigError(f"{where}: invalid YAML: {exc}", key="config") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{p}: the top level must be a mapping", key="config")
        data = loaded
    cfg = from_dict(data, source=str(path) if path else None)
    apply_overrides(cfg, overrides)
    explicit = set(_dotted_keys(data)) | {k for k, _ in _override_items(overrides)}
    apply_env_settings(cfg, explicit)
    return cfg.resolve()


#: `train_settings` keys an env may declare, mapped to the rollout keys they set.
ENV_SETTING_ALIASES = {"step_timeout": "step_timeout_s"}


def env_class(spec: str) -> Any:
    """The class (or factory) registered for an env id or `module:EnvId` / `file.py:EnvId`."""
    from gymnasium.envs.registration import load_env_creator
    from gymnasium.envs.registration import registry as gym_registry

    from agent_rl.envs.core.registry import resolve_env_id

    entry = gym_registry[resolve_env_id(spec)].entry_point
    return load_env_creator(entry) if isinstance(entry, str) else entry


def train_env_kwargs(cfg: TrainConfig) -> dict[str, Any]:
    """Constructor kwargs of the training env: `env.kwargs`, with `split="train"` added when
    the env takes a split and the user chose none, so training never sees held-out tasks."""
    from agent_rl.envs.core.env import takes_kwarg

    kwargs = dict(cfg.env.kwargs)
    if "split" not in kwargs and takes_kwarg(env_class(cfg.env.id), "split"):
        kwargs["split"] = "train"
    return kwargs


def held_out_kwargs(cfg: TrainConfig) -> dict[str, Any]:
    """Constructor kwargs of the held-out env: `env.eval_kwargs`, else what the env class
    declares for the training kwargs (`AgentEnv.held_out_kwargs`: its test split)."""
    if cfg.env.eval_kwargs is not None:
        return dict(cfg.env.eval_kwargs)
    declare = getattr(env_class(cfg.env.id), "held_out_kwargs", None)
    if declare is None:  # a plain Gymnasium env: the training kwargs, other seeds
        return dict(cfg.env.kwargs)
    return dict(declare(dict(cfg.env.kwargs)))


def apply_env_settings(cfg: TrainConfig, explicit: Collection[str] = ()) -> dict[str, Any]:
    """Fill `rollout.*` from the env's `train_settings` where the user set nothing.

    The env knows its needs (a code env's long solutions and slow tests); the YAML file and
    the command line still win. Returns the settings applied.
    """
    declared = dict(getattr(env_class(cfg.env.id), "train_settings", None) or {})
    names = {f.name for f in dataclasses.fields(RolloutConfig)}
    hints = typing.get_type_hints(RolloutConfig)
    applied: dict[str, Any] = {}
    for raw, value in declared.items():
        key = ENV_SETTING_ALIASES.get(raw, raw)
        if key not in names:
            raise ConfigError(
                f"{cfg.env.id} declares train_settings[{raw!r}], not a rollout setting "
                f"({', '.join(sorted(names))})",
                key="env.id",
            )
        if f"rollout.{key}" in explicit:
            continue
        setattr(cfg.rollout, key, _coerce(value, hints[key], f"rollout.{key}"))
        applied[key] = value
    return applied


def _dotted_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for k, v in data.items():
        name = f"{prefix}{str(k).replace('-', '_')}"
        keys.append(name)
        if isinstance(v, Mapping):
            keys += _dotted_keys(v, name + ".")
    return keys


def _override_items(overrides: Sequence[str] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    else:
        items = [(t.split("=", 1)[0].strip(), None) for t in overrides if "=" in t]
    out = []
    for key, value in items:
        out.append((key, value))
        if isinstance(value, Mapping):  # rollout={max_tokens: 9} sets rollout.max_tokens
            out += [(k, None) for k in _dotted_keys(value, key + ".")]
    return out


def from_dict(data: Mapping[str, Any], source: str | None = None) -> TrainConfig:
    """Build a `TrainConfig` from nested mappings, rejecting unknown keys with close matches."""
    cfg = TrainConfig()
    _fill(cfg, data, prefix="", source=source)
    return cfg


def apply_overrides(cfg: TrainConfig, overrides: Sequence[str] | Mapping[str, Any]) -> None:
    """Set dotted keys. String values (from `key=value`) are parsed as YAML scalars."""
    import yaml

    items: list[tuple[str, Any]] = []
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    else:
        for text in overrides:
            if "=" not in text:
                raise ConfigError(f"override {text!r} is not KEY=VALUE", key=text)
            key, raw = text.split("=", 1)
            try:
                value = yaml.safe_load(raw) if raw.strip() else ""
            except yaml.YAMLError:
                value = raw
            items.append((key.strip(), value))
    for key, value in items:
        parts = key.split(".")
        target: Any = cfg
        for i, part in enumerate(parts[:-1]):
            target = getattr(target, _check_name(target, part, ".".join(parts[:i])))
            if isinstance(target, dict) and i == len(parts) - 2:
                break  # env.kwargs.source=x: one key of a mapping setting
            if not dataclasses.is_dataclass(target):
                raise ConfigError(f"{'.'.join(parts[: i + 1])} is not a section", key=key)
        if isinstance(target, dict):
            target[parts[-1]] = value
            continue
        name = _check_name(target, parts[-1], ".".join(parts[:-1]))
        f = {f.name: f for f in dataclasses.fields(target)}[name]
        hints = typing.get_type_hints(type(target))
        if dataclasses.is_dataclass(getattr(target, name)):
            if not isinstance(value, Mapping):
                raise ConfigError("is a section; set its keys (e.g. rl.lr=1e-4)", key=key)
            _fill(getattr(target, name), value, prefix=key + ".", source=None)
        else:
            setattr(target, f.name, _coerce(value, hints[f.name], key))


def _check_name(obj: Any, name: str, prefix: str) -> str:
    names = [f.name for f in dataclasses.fields(obj)]
    if name not in names:
        full = f"{prefix}.{name}" if prefix else name
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(close)}?" if close else f"; known keys: {', '.join(names)}"
        )
        raise ConfigError(f"unknown key{hint}", key=full)
    return name


def _fill(obj: Any, data: Mapping[str, Any], prefix: str, source: str | None) -> None:
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping, got {type(data).__name__}", key=prefix.rstrip("."))
    hints = typing.get_type_hints(type(obj))
    for raw_key, value in data.items():
        key = str(raw_key).replace("-", "_")
        try:
            name = _check_name(obj, key, prefix.rstrip("."))
        except ConfigError as exc:
            if source:
                raise ConfigError(f"{source}: {exc}") from None
            raise
        current = getattr(obj, name)
        if dataclasses.is_dataclass(current):
            _fill(current, value or {}, prefix=f"{prefix}{name}.", source=source)
        else:
            setattr(obj, name, _coerce(value, hints[name], f"{prefix}{name}"))


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Check/convert `value` against a type hint; raise `ConfigError` naming `key`."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(f"expected {_type_name(hint)}, got {value!r}", key=key)
    if hint is Any:
        return value
    if origin in (list, tuple):
        if isinstance(value, str) and origin is list:
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"expected a list, got {value!r}", key=key)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise ConfigError(f"expected {len(args)} values, got {value!r}", key=key)
            return tuple(_coerce(v, a, key) for v, a in zip(value, args, strict=True))
        inner = args[0] if args else Any
        return (
            type(value)(_coerce(v, inner, key) for v in value)
            if origin is tuple
            else [_coerce(v, inner, key) for v in value]
        )
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"expected a mapping, got {value!r}", key=key)
        return dict(value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        raise ConfigError(f"expected true or false, got {value!r}", key=key)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"expected an integer, got {value!r}", key=key)
        try:
            f = float(value)
        except ValueError:
            raise ConfigError(f"expected an integer, got {value!r}", key=key) from None
        if not math.isfinite(f) or f != int(f):
            raise ConfigError(f"expected an integer, got {value!r}", key=key)
        return int(f)
    if hint is float:
        if isinstance(value, bool):
            raise ConfigError(f"expected a number, got {value!r}", key=key)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"expected a number, got {value!r}", key=key) from None
        if not math.isfinite(number):
            raise ConfigError(f"expected a finite number, got {value!r}", key=key)
        return number
    if hint is str:
        if isinstance(value, (dict, list)) or value is None:
            raise ConfigError(f"expected a string, got {value!r}", key=key)
        return str(value)
    return value


def _type_name(hint: Any) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    names = [getattr(a, "__name__", str(a)) for a in args]
    return " or ".join(names) + " or null"


# -- validation ------------------------------------------------------------------------------
def _choice(value: Any, allowed: Sequence[Any], key: str) -> None:
    if value not in allowed:
        close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(
            f"{value!r} is not allowed; allowed values: {', '.join(map(str, allowed))}{hint}",
            key=key,
        )


#: Learning rates above this are a typo (1e30) rather than a setting: training would diverge.
MAX_LR = 1.0


def _positive(value: float, key: str, *, zero_ok: bool = False) -> None:
    if not math.isfinite(value):
        raise ConfigError(f"must be a finite number, got {value!r}", key=key)
    if value < 0 or (value == 0 and not zero_ok):
        raise ConfigError(f"must be {'>= 0' if zero_ok else '> 0'}, got {value!r}", key=key)


def validate(cfg: TrainConfig) -> None:
    """Raise `ConfigError` (dotted key, allowed values) on the first invalid setting."""
    rl, sft, dpo = cfg.rl, cfg.sft, cfg.dpo
    _choice(rl.algo, ALGOS, "rl.algo")
    if not cfg.stages:
        raise ConfigError(
            f"at least one stage is needed; allowed: {', '.join(STAGES)}", key="stages"
        )
    for i, stage in enumerate(cfg.stages):
        _choice(stage, STAGES, f"stages[{i}]")
    if len(set(cfg.stages)) != len(cfg.stages):
        raise ConfigError(f"a stage appears twice: {cfg.stages}", key="stages")
    _choice(cfg.precision, PRECISIONS, "precision")
    if not (cfg.device in ("auto", "cpu", "cuda", "mps") or cfg.device.startswith("cuda:")):
        raise ConfigError(
            f"{cfg.device!r} is not allowed; allowed values: auto, cpu, cuda, cuda:N, mps",
            key="device",
        )
    _choice(cfg.model.dtype, ("float32", "bfloat16", "float16"), "model.dtype")
    _choice(rl.kl_type, KL_TYPES, "rl.kl_type")
    if rl.loss_agg_mode is not None:
        _choice(rl.loss_agg_mode, LOSS_AGG_MODES, "rl.loss_agg_mode")
    _choice(rl.old_logprobs, OLD_LOGPROBS, "rl.old_logprobs")
    _choice(rl.divergence, DIVERGENCE_MODES, "rl.divergence")
    _positive(rl.max_kl, "rl.max_kl")
    _choice(sft.source, SFT_SOURCES, "sft.source")
    for section, sched in (("rl", rl.schedule), ("sft", sft.schedule), ("dpo", dpo.schedule)):
        _choice(sched, SCHEDULES, f"{section}.schedule")
    for key in (
        "steps",
        "tasks_per_step",
        "group_size",
        "mini_batches",
        "micro_batch_size",
        "ppo_epochs",
    ):
        _positive(getattr(rl, key), f"rl.{key}")
    for key in ("lr", "max_grad_norm", "clip_ratio", "clip_ratio_c"):
        _positive(getattr(rl, key), f"rl.{key}")
    for key in ("kl_coef", "entropy_coef", "warmup_steps", "weight_decay", "overlong_penalty"):
        _positive(getattr(rl, key), f"rl.{key}", zero_ok=True)
    for key, lr in (("rl.lr", rl.lr), ("sft.lr", sft.lr), ("dpo.lr", dpo.lr)):
        if lr > MAX_LR:
            raise ConfigError(f"must be <= {MAX_LR:g} (training diverges), got {lr!r}", key=key)
    if rl.clip_ratio_c <= 1.0:
        raise ConfigError(
            f"must be > 1 (dual-clip bound), got {rl.clip_ratio_c}", key="rl.clip_ratio_c"
        )
    for key in ("clip_ratio_low", "clip_ratio_high", "overlong_buffer", "value_lr"):
        v = getattr(rl, key)
        if v is not None:
            _positive(v, f"rl.{key}", zero_ok=key == "overlong_buffer")
    if rl.algo in ("grpo", "dapo", "gspo") and rl.group_size < 2:
        raise ConfigError(
            f"{rl.algo} compares samples within a group: group_size must be >= 2, got {rl.group_size}",
            key="rl.group_size",
        )
    if rl.mini_batches > rl.tasks_per_step * rl.group_size:
        raise ConfigError(
            f"more mini-batches ({rl.mini_batches}) than sequences per step "
            f"({rl.tasks_per_step * rl.group_size})",
            key="rl.mini_batches",
        )
    if not 0.0 <= rl.gamma <= 1.0:
        raise ConfigError(f"must be in [0, 1], got {rl.gamma}", key="rl.gamma")
    if not 0.0 <= rl.lam <= 1.0:
        raise ConfigError(f"must be in [0, 1], got {rl.lam}", key="rl.lam")
    ro = cfg.rollout
    _positive(ro.temperature, "rollout.temperature", zero_ok=True)
    if not 0.0 < ro.top_p <= 1.0:
        raise ConfigError(f"must be in (0, 1], got {ro.top_p}", key="rollout.top_p")
    for key in ("max_tokens", "max_turns", "max_total_tokens", "concurrency", "step_timeout_s"):
        _positive(getattr(ro, key), f"rollout.{key}")
    for section, obj in (("sft", sft), ("dpo", dpo)):
        for key in ("steps", "batch_size", "micro_batch_size", "lr", "max_length"):
            _positive(getattr(obj, key), f"{section}.{key}")
    if sft.epochs is not None:
        _positive(sft.epochs, "sft.epochs")
    _positive(sft.episodes, "sft.episodes")
    if not 0.0 <= sft.drop_tool_turns <= 1.0:
        raise ConfigError(
            f"must be in [0, 1], got {sft.drop_tool_turns}", key="sft.drop_tool_turns"
        )
    _positive(dpo.beta, "dpo.beta")
    if sft.source != "oracle" and "sft" in cfg.stages and not sft.data:
        raise ConfigError(f"sft.source={sft.source} needs files in sft.data", key="sft.data")
    if "dpo" in cfg.stages and not dpo.data:
        raise ConfigError("the dpo stage needs pair files in dpo.data", key="dpo.data")
    _positive(cfg.eval.episodes, "eval.episodes", zero_ok=True)
    _positive(cfg.eval.every, "eval.every", zero_ok=True)
    _positive(cfg.eval.temperature, "eval.temperature", zero_ok=True)
    _positive(cfg.checkpoint.every, "checkpoint.every")
    _positive(cfg.checkpoint.keep, "checkpoint.keep")
    if cfg.env.train_seed_start == cfg.env.eval_seed_start:
        raise ConfigError("training and held-out seeds must differ", key="env.eval_seed_start")
