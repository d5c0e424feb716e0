"""SWE-bench evaluation: predictions (a file, or a policy's patches) graded per instance.

Backends: `docker` runs swebench's own `run_evaluation` in locally built instance images;
`bwrap` grades in-process with swebench's log parser and `get_eval_report` (`grading.grade`),
giving the same verdicts. Bad input never stops a run: a dataset record missing a field, a
prediction for an unknown instance or without a patch, a patch that is not a diff, an image
that cannot be built: each is reported for its instance with the reason, the rest is graded.
Writes `report.json` (every instance's verdict), `summary.md`, and the predictions graded.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.envs.swe.grading import Verdict, grade, sandbox_for
from agent_rl.envs.swe.instance import SWEInstance, load_instances

from agent_rl.errors import DataError

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DATASET = DATA_DIR / "swe_test.jsonl"
TRAIN_DATASET = DATA_DIR / "swe_train.jsonl"
_DIFF_START = re.compile(r"^(diff --git |--- |\+\+\+ |@@ )", re.M)


def looks_like_diff(patch: str) -> bool:
    """A unified or git diff has file headers or hunk headers."""
    return bool(_DIFF_START.search(patch))


@dataclass
class EvalResult:
    """One evaluation run: verdicts per instance, rejected inputs, and where it was written."""

    backend: str
    dataset: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    swebench_report: str | None = None

    @property
    def resolved(self) -> int:
        return sum(v.resolved for v in self.verdicts.values())

    @property
    def infra_errors(self) -> int:
        return sum(v.infra_error is not None for v in self.verdicts.values())

    def to_dict(self) -> dict[str, Any]:
        graded = len(self.verdicts) - self.infra_errors
        return {
            "backend": self.backend, "dataset": self.dataset, "instances": len(self.verdicts),
            "resolved": self.resolved, "infra_errors": self.infra_errors,
            "resolved_rate": round(self.resolved / graded, 4) if graded else None,
            "seconds": self.seconds, "swebench_report": self.swebench_report,
            "rejected": self.rejected,
            "verdicts": {k: v.to_dict() for k, v in sorted(self.verdicts.items())},
        }

    def summary_markdown(self) -> str:
        d = self.to_dict()
        rate = "n/a" if d["resolved_rate"] is None else f"{100 * d['resolved_rate']:.1f}%"
        lines = [
            "# SWE-bench evaluation", "",
            f"- dataset: `{self.dataset}`", f"- backend: {self.backend}",
            f"- resolved: {self.resolved}/{len(self.verdicts) - self.infra_errors} graded "
            f"({rate}); infrastructure errors: {self.infra_errors}; rejected inputs: "
            f"{len(self.rejected)}",
            f"- wall time: {self.seconds:.1f} s", "",
            "| instance | outcome | F2P | P2P | note |", "|---|---|---|---|---|",
        ]
        for iid, v in sorted(self.verdicts.items()):
            comp = v.components()
            note = (v.infra_error or "").replace("|", "/")[:120]
            lines.append(f"| {iid} | {v.status} | {comp['fail_to_pass']:.2f} | "
                         f"{comp['pass_to_pass']:.2f} | {note} |")
        if self.rejected:
            lines += ["", "## Rejected inputs", ""]
            lines += [f"- {r.get('instance_id') or '?'} ({r.get('where', '')}): {r['reason']}"
                      for r in self.rejected]
        return "\n".join(lines) + "\n"

    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.json").write_text(json.dumps(self.to_dict(), indent=2) + "\n",
                                             encoding="utf-8")
        (out_dir / "summary.md").write_text(self.summary_markdown(), encoding="utf-8")


def policy_predictions(instances: list[SWEInstance], policy: str) -> list[dict[str, Any]]:
    """`oracle` (the gold patch) or `empty` predictions, in the harness's format."""
    if policy not in ("oracle", "empty"):
        raise DataError(f"unknown fixed policy {policy!r}", key="policy")
    return [{"instance_id": i.instance_id, "model_name_or_path": f"agent-rl-{policy}",
             "model_patch": i.patch if policy == "oracle" else ""} for i in instances]


def read_predictions(path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Predictions from JSONL (or a JSON list / dict by id); bad records come back rejected."""
    p = Path(path)
    if p.suffix == ".json":
        data = json.loads(p.read_text(encoding="utf-8"))
        rows = list(data.values()) if isinstance(data, dict) else data
        numbered: list[tuple[str, Any]] = [(f"{p}[{k}]", r) for k, r in enumerate(rows)]
    else:
        from agent_rl.jsonl import iter_jsonl

        numbered = [(f"{p}:{line}", r) for line, r in iter_jsonl(p, objects=False)]
    good, rejected = [], []
    for where, row in numbered:
        if not isinstance(row, dict) or not isinstance(row.get("instance_id"), str):
            rejected.append({"instance_id": None, "where": where,
                             "reason": "a prediction needs a string instance_id"})
        elif "model_patch" not in row or not isinstance(row["model_patch"], (str, type(None))):
            rejected.append({"instance_id": row["instance_id"], "where": where,
                             "reason": "missing model_patch (a string)"})
        else:
            good.append({"model_name_or_path": "unknown", **row, "_where": where})
    return good, rejected


def evaluate(
    dataset: str | Path = DEFAULT_DATASET,
    *,
    predictions: list[dict[str, Any]] | None = None,
    predictions_file: str | Path | None = None,
    policy: str | None = None,
    limit: int | None = None,
    workers: int = 2,
    backend: str = "bwrap",
    out_dir: str | Path = "swe_eval",
    instance_ids: list[str] | None = None,
    timeout: int = 300,
) -> EvalResult:
    """Grade predictions for the instances of `dataset`; writes report.json and summary.md."""
    start = time.monotonic()
    out = Path(out_dir)
    instances, rejected = load_instances(dataset)
    all_ids = {i.instance_id for i in instances} | {
        r["instance_id"] for r in rejected if r.get("instance_id")}
    if instance_ids:
        instances = [i for i in instances if i.instance_id in set(instance_ids)]
    if limit is not None:
        instances = instances[: max(limit, 0)]
    by_id = {i.instance_id: i for i in instances}
    if predictions_file is not None:
        predictions, bad = read_predictions(predictions_file)
        rejected += bad
    elif predictions is None:
        predictions = policy_predictions(instances, policy or "oracle")
    chosen: dict[str, dict[str, Any]] = {}
    for pred in predictions:
        iid, where = pred["instance_id"], pred.pop("_where", "predictions")
        if iid not in all_ids:
            rejected.append({"instance_id": iid, "where": where,
                             "reason": "unknown instance (not in the dataset)"})
            continue
        if iid not in by_id:  # outside --limit / the ids asked for, or a rejected record
            continue
        patch = pred.get("model_patch") or ""
        if patch.strip() and not looks_like_diff(patch):
            rejected.append({"instance_id": iid, "where": where,
                             "reason": "model_patch is not a diff"})
            chosen[iid] = {**pred, "model_patch": None}
            continue
        chosen[iid] = pred
    result = EvalResult(backend=backend, dataset=str(dataset), rejected=rejected)
    graded = [i for i in instances if i.instance_id in chosen]
    for iid, pred in chosen.items():
        if isinstance(pred.get("infra_error"), str):  # the agent run failed, not the agent
            result.verdicts[iid] = Verdict(iid, False, "infra_error", backend=backend,
                                           infra_error=f"agent run: {pred['infra_error']}")
            pred["model_patch"] = None
        elif pred["model_patch"] is None:
            result.verdicts[iid] = Verdict(iid, False, "invalid_patch", backend=backend)
    to_run = [i for i in graded if chosen[i.instance_id]["model_patch"] is not None]
    out.mkdir(parents=True, exist_ok=True)
    (out / "predictions.jsonl").write_text(
        "".join(json.dumps(chosen[i.instance_id]) + "\n" for i in graded), encoding="utf-8")
    if backend == "docker":
        _grade_docker(to_run, chosen, result, out, workers, timeout)
    elif backend == "bwrap":
        _grade_local(to_run, chosen, result, out, workers, timeout)
    else:
        raise DataError(f"unknown backend {backend!r}; choose docker or bwrap", key="backend")
    result.seconds = round(time.monotonic() - start, 2)
    result.write(out)
    return result


def _grade_local(instances: list[SWEInstance], chosen: dict[str, dict[str, Any]],
                 result: EvalResult, out: Path, workers: int, timeout: int) -> None:
    sandbox = sandbox_for("bwrap", max_concurrency=max(1, workers))

    def one(instance: SWEInstance) -> Verdict:
        log_dir = out / "logs" / instance.instance_id
        return grade(instance, chosen[instance.instance_id]["model_patch"], sandbox,
                     timeout=timeout, log_dir=log_dir)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for verdict in pool.map(one, instances):
            result.verdicts[verdict.instance_id] = verdict


def _grade_docker(instances: list[SWEInstance], chosen: dict[str, dict[str, Any]],
                  result: EvalResult, out: Path, workers: int, timeout: int) -> None:
    from agent_rl.envs.swe.harness import run_swebench
    from agent_rl.envs.swe.images import ensure_images

    needing = [i for i in instances if (chosen[i.instance_id]["model_patch"] or "").strip()]
    built = ensure_images(needing, workers=workers)
    ready = []
    for instance in instances:
        problem = built.get(instance.instance_id)
        if problem is not None:
            result.verdicts[instance.instance_id] = Verdict(
                instance.instance_id, False, "infra_error", backend="swebench",
                infra_error=f"image: {problem}")
        else:
            ready.append(instance)
    if not ready:
        return
    import os

    run_id = f"agent-rl-{os.getpid()}-{int(time.time())}"  # container names unique per run
    verdicts, report = run_swebench(ready, chosen, out, run_id=run_id, workers=workers,
                                    timeout=timeout)
    result.verdicts.update(verdicts)
    result.swebench_report = str(report) if report else None
