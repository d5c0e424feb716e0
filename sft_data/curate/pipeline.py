"""One streaming run of conversion and any chain of curation passes, from a YAML config.

```yaml
inputs: [raw/glaive.json, raw/xlam.json]   # raw files (converted on the fly) ...
from: auto                                  # ... or `canonical` for files this package wrote
output: out/curated.parquet                 # .jsonl or .parquet
tokenized: out/curated.tok.jsonl            # optional: input_ids + loss_mask
rejects: out/rejects.jsonl                  # optional: every rejected record with its reason
passes:                                     # applied in order; each entry: {pass_name: options}
  - quality: {max_tokens: 8192}
  - identity: {mode: rewrite, name: Lightning, qa_count: 200}
  - dedup: {bands: 8}
  - think_mix: {share: 0.3}
  - select: {n: 1500000, max_cluster_share: 0.001}
```

Unknown keys, pass names or options raise `ConfigError` naming the key and the allowed values.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from agent_rl.sft_data.curate.base import Pass, RejectSink
from agent_rl.sft_data.curate.dedup import Dedup, DedupConfig
from agent_rl.sft_data.curate.difficulty import Difficulty, DifficultyConfig
from agent_rl.sft_data.curate.identity import Identity, IdentityConfig
from agent_rl.sft_data.curate.quality import Quality, QualityConfig
from agent_rl.sft_data.curate.select import Select, SelectConfig
from agent_rl.sft_data.curate.think_mix import ThinkMix, ThinkMixConfig
from agent_rl.sft_data.report import Counts, Rejection

from agent_rl.errors import ConfigError, DataError

PASSES: dict[str, tuple[type[Pass], type]] = {
    "quality": (Quality, QualityConfig),
    "identity": (Identity, IdentityConfig),
    "dedup": (Dedup, DedupConfig),
    "think_mix": (ThinkMix, ThinkMixConfig),
    "difficulty": (Difficulty, DifficultyConfig),
    "select": (Select, SelectConfig),
}
TOP_KEYS = ("inputs", "from", "output", "tokenized", "rejects", "passes")


def _check_type(value: Any, tp: Any, key: str) -> Any:
    """Light type check of a config value against a dataclass field annotation."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        return _check_type(value, next(a for a in args if a is not type(None)), key)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    base = origin or tp
    if base in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"expected a list, got {value!r}", key=key)
        return base(value)
    if (isinstance(base, type) and not isinstance(value, base)) or (base is int and isinstance(value, bool)):
        raise ConfigError(f"expected {getattr(base, '__name__', base)}, got {value!r}", key=key)
    return value


def make_config(cls: type, options: dict[str, Any] | None, prefix: str) -> Any:
    """Dataclass `cls` from a dict, naming unknown or ill-typed keys and the allowed ones."""
    options = options or {}
    if not isinstance(options, dict):
        raise ConfigError(f"options must be a mapping, got {options!r}", key=prefix)
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in options.items():
        if key not in names:
            raise ConfigError(f"unknown option {key!r}; allowed: {', '.join(names)}", key=f"{prefix}.{key}")
        kwargs[key] = _check_type(value, hints[key], f"{prefix}.{key}")
    return cls(**kwargs)


def build_pass(name: str, options: dict[str, Any] | None, on_reject: RejectSink | None = None) -> Pass:
    if name not in PASSES:
        raise ConfigError(f"unknown pass {name!r}; allowed: {', '.join(PASSES)}", key="passes")
    cls, cfg_cls = PASSES[name]
    return cls(make_config(cfg_cls, options, name), on_reject=on_reject)


def parse_config(data: Any) -> dict[str, Any]:
    """Validate a pipeline config dict; returns it with `passes` as [(name, options)]."""
    if not isinstance(data, dict):
        raise ConfigError("the pipeline config must be a mapping", key="(root)")
    for key in data:
        if key not in TOP_KEYS:
            raise ConfigError(f"unknown key {key!r}; allowed: {', '.join(TOP_KEYS)}", key=key)
    for key in ("inputs", "output"):
        if key not in data:
            raise ConfigError("missing", key=key)
    inputs = data["inputs"]
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs:
        raise ConfigError("expected a non-empty list of files", key="inputs")
    passes = []
    for i, entry in enumerate(data.get("passes") or []):
        if isinstance(entry, str):
            entry = {entry: {}}
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ConfigError("each pass is {name: {options}}", key=f"passes[{i}]")
        (name, options), = entry.items()
        if name not in PASSES:
            raise ConfigError(f"unknown pass {name!r}; allowed: {', '.join(PASSES)}", key=f"passes[{i}]")
        make_config(PASSES[name][1], options, name)  # validate now, before any work
        passes.append((name, options or {}))
    fmt = data.get("from", "auto")
    from agent_rl.sft_data.readers import FORMATS

    if fmt not in ("auto", "canonical", *FORMATS):
        raise ConfigError(f"{fmt!r}; allowed: auto, canonical, {', '.join(FORMATS)}", key="from")
    return {**data, "inputs": inputs, "passes": passes, "from": fmt}


def load_config(path: str | Path) -> dict[str, Any]:
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read the pipeline config: {exc}", path=str(p)) from None
    return parse_config(data)


def read_canonical(paths: Iterable[str | Path], counts: Counts, on_reject: RejectSink | None) -> Iterator[dict[str, Any]]:
    """Canonical records from files this package wrote, validated (bad ones rejected)."""
    from agent_rl.sft_data.io import BadJSON, iter_raw, row_to_record
    from agent_rl.sft_data.schema import normalize_record, validate_record

    for path in paths:
        parquet = Path(path).suffix == ".parquet"
        for line, value in iter_raw(path):
            counts.n_in += 1
            if isinstance(value, BadJSON):
                problems = [f"invalid JSON: {value.error}"]
            else:
                if parquet and isinstance(value, dict):
                    value = row_to_record(value)
                problems = validate_record(normalize_record(value))
            if problems:
                counts.rejected["invalid_record"] += 1
                if on_reject is not None:
                    on_reject(Rejection("invalid_record", "; ".join(problems[:3]), str(path), line, "canonical",
                                        value.get("id") if isinstance(value, dict) else None, "read"))
                continue
            counts.n_out += 1
            yield value


def run_passes(records: Iterable[dict[str, Any]], passes: list[Pass]) -> Iterator[dict[str, Any]]:
    """Chain passes lazily: each record flows through all of them before the next is read."""
    stream: Iterable[dict[str, Any]] = records
    for p in passes:
        stream = p(stream)
    yield from stream


def run_pipeline(config: dict[str, Any], on_progress: Callable[[int], None] | None = None) -> list[Counts]:
    """Run a parsed config end to end; returns the counts of the input stage and each pass."""
    from agent_rl.sft_data.convert import iter_file
    from agent_rl.sft_data.encode import make_encoder
    from agent_rl.sft_data.io import JsonlWriter, check_outputs, open_writer
    from agent_rl.sft_data.report import rejection_for

    # Nothing is written over an input, and outputs appear only when the run completes.
    check_outputs(
        config["inputs"],
        {"output": config["output"], "tokenized": config.get("tokenized"),
         "rejects": config.get("rejects")},
    )
    rej_writer = JsonlWriter(config["rejects"]) if config.get("rejects") else None
    sink = rej_writer.write if rej_writer is not None else None

    def on_reject(r: Rejection) -> None:
        if sink is not None:
            sink(r.to_dict())

    source_counts = Counts("read" if config["from"] == "canonical" else "convert")

    def source() -> Iterator[dict[str, Any]]:
        if config["from"] == "canonical":
            yield from read_canonical(config["inputs"], source_counts, on_reject)
            return
        for path in config["inputs"]:
            for item in iter_file(path, config["from"], source_counts):
                if isinstance(item, Rejection):
                    on_reject(item)
                else:
                    yield item

    writers = [rej_writer] if rej_writer is not None else []
    try:
        passes = [build_pass(name, opts, on_reject) for name, opts in config["passes"]]
        encoder = make_encoder() if config.get("tokenized") else None
        writer = open_writer(config["output"])
        writers.append(writer)
        tok_writer = JsonlWriter(config["tokenized"]) if config.get("tokenized") else None
        writers += [tok_writer] if tok_writer is not None else []
    except BaseException:
        for w in writers:
            w.abort()
        raise
    final = Counts("write")
    try:
        for n, rec in enumerate(run_passes(source(), passes), 1):
            final.n_in += 1
            sample = None
            if encoder is not None and tok_writer is not None:
                try:
                    sample = encoder(rec)
                except Exception as exc:  # the chat format names the bad message
                    final.rejected["encode_error"] += 1
                    on_reject(rejection_for(rec, "encode_error", str(exc)[:300], "tokenize"))
                    continue
            try:
                writer.write(rec)
            except (ValueError, RecursionError) as exc:  # NaN in meta, absurd nesting
                final.rejected["unwritable_record"] += 1
                on_reject(rejection_for(rec, "unwritable_record", f"{type(exc).__name__}: {exc}"[:300], "write"))
                continue
            if sample is not None and tok_writer is not None:
                tok_writer.write(sample)
            final.n_out += 1
            if on_progress is not None and n % 10000 == 0:
                on_progress(n)
    except BaseException:
        for w in writers:
            w.abort()  # previous outputs, if any, stay whole
        raise
    for w in writers:
        w.close()
    return [source_counts, *(p.counts for p in passes), final]
