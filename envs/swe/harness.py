"""Run swebench's own harness (`run_evaluation.main`) on local instances and images.

swebench writes its logs under `./logs/run_evaluation/<run_id>/` (relative to the working
directory) and its run report into `report_dir`; this wrapper runs it with `out_dir` as the
working directory, then reads each instance's `report.json` back. An instance without a
report either failed to apply its patch (the harness's log says so: the agent's fault, not
resolved) or hit an error of the harness (an infrastructure error, flagged).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_rl.envs.swe.grading import APPLY_PATCH_FAIL, Verdict
from agent_rl.envs.swe.instance import SWEInstance

_cwd_lock = threading.Lock()
log = logging.getLogger(__name__)


@contextlib.contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    with _cwd_lock:
        old = os.getcwd()
        os.chdir(path)
        try:
            yield
        finally:
            os.chdir(old)


def run_swebench(instances: list[SWEInstance], predictions: dict[str, dict[str, Any]],
                 out_dir: str | Path, *, run_id: str = "agent-rl", workers: int = 2,
                 timeout: int = 300) -> tuple[dict[str, Verdict], Path | None]:
    """Grade `predictions` (instance_id -> prediction) with swebench's `run_evaluation`.

    Images must exist (`images.ensure_images`). Returns per-instance verdicts and the path of
    swebench's run report.
    """
    from swebench.harness import run_evaluation

    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    dataset = out / "swebench_dataset.json"
    dataset.write_text(json.dumps([i.to_dict() for i in instances], indent=1), encoding="utf-8")
    preds_path = out / "swebench_predictions.jsonl"
    preds_path.write_text("".join(json.dumps(predictions[i.instance_id]) + "\n"
                                  for i in instances), encoding="utf-8")
    report_path = None
    with _working_dir(out):
        try:
            report_path = run_evaluation.main(
                dataset_name=str(dataset), split="test", instance_ids=None,
                predictions_path=str(preds_path), max_workers=workers, open_file_limit=4096,
                run_id=run_id, timeout=timeout, rewrite_reports=False, modal=False,
                report_dir=str(out),
            )
        except Exception as exc:
            # The run report lists every container of the engine and dies when one vanishes
            # meanwhile (another process's); each instance's own report.json is already
            # written, so the verdicts below stand, and an instance without one is flagged.
            log.warning("swebench's run_evaluation failed after grading: %r", exc)
    verdicts = {i.instance_id: read_verdict(out, run_id, i, predictions[i.instance_id])
                for i in instances}
    return verdicts, (out / report_path if report_path is not None else None)


def read_verdict(out: Path, run_id: str, instance: SWEInstance,
                 prediction: dict[str, Any]) -> Verdict:
    """The verdict swebench's logs give for one instance."""
    iid = instance.instance_id
    if not (prediction.get("model_patch") or "").strip():
        return Verdict(iid, False, "empty_patch", backend="swebench")
    model = str(prediction.get("model_name_or_path") or "None").replace("/", "__")
    log_dir = out / "logs" / "run_evaluation" / run_id / model / iid
    report_file = log_dir / "report.json"
    if report_file.is_file():
        report = json.loads(report_file.read_text(encoding="utf-8"))[iid]
        resolved = bool(report.get("resolved"))
        if not report.get("patch_successfully_applied") and report.get("infra_failure"):
            return Verdict(iid, False, "infra_error", report=report, backend="swebench",
                           infra_error=str(report.get("infra_failure_reason")))
        return Verdict(iid, resolved, "resolved" if resolved else "unresolved",
                       applied=True, report=report, backend="swebench")
    instance_log = log_dir / "run_instance.log"
    text = instance_log.read_text(encoding="utf-8", errors="replace") if instance_log.is_file() \
        else ""
    if APPLY_PATCH_FAIL in text:
        return Verdict(iid, False, "patch_failed", backend="swebench")
    if "timed out after" in text:
        return Verdict(iid, False, "timeout", backend="swebench")
    tail = " | ".join(text.strip().splitlines()[-3:])[-500:] or "no log"
    return Verdict(iid, False, "infra_error", backend="swebench",
                   infra_error=f"swebench harness error: {tail}")
