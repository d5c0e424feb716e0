"""Grade a patch for an instance with swebench's own log parser and `get_eval_report`.

The steps are the harness's, done host-side in a fresh copy of the base tree: apply the model
patch (swebench's command chain), reset the files the test patch touches to the base and apply
the test patch, then run the instance's test command in a sandbox (bubblewrap or a Docker
container). The sandbox output is written as the harness's `test_output.txt` would be (trace
lines, the start/end markers, the test exit code) and graded by
`swebench.harness.grading.get_eval_report` with the instance's `TestSpec`, so the verdict is
swebench's. An empty patch, a patch that does not apply, and a patch that only edits tests are
never resolved; a failure of the sandbox or of git is an infrastructure error, never a 0.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.envs.swe import gitops
from agent_rl.envs.swe.instance import END, START, SWEInstance

from agent_rl.errors import InfraError

APPLY_PATCH_FAIL = ">>>>> Patch Apply Failed"
APPLY_PATCH_PASS = ">>>>> Applied Patch"
TEST_EXIT_CODE = ">>>>> Test Exit Code"
DEFAULT_TIMEOUT = 120.0


@dataclass
class Verdict:
    """The outcome of grading one patch.

    `status`: resolved | unresolved | empty_patch | patch_failed | timeout | infra_error.
    `report` is swebench's report entry for the instance (empty when the tests never ran).
    """

    instance_id: str
    resolved: bool
    status: str
    applied: bool = False
    report: dict[str, Any] = field(default_factory=dict)
    infra_error: str | None = None
    log: str = ""
    duration: float = 0.0
    backend: str = ""

    @property
    def reward(self) -> float:
        return 1.0 if self.resolved else 0.0

    def components(self) -> dict[str, float]:
        """Why the reward is what it is: applied, F2P and P2P pass fractions, resolved."""
        tests = self.report.get("tests_status") or {}

        def fraction(key: str) -> float:
            part = tests.get(key) or {}
            ok, bad = len(part.get("success", [])), len(part.get("failure", []))
            return ok / (ok + bad) if ok + bad else 0.0

        return {"applied": float(self.applied), "fail_to_pass": fraction("FAIL_TO_PASS"),
                "pass_to_pass": fraction("PASS_TO_PASS"), "resolved": float(self.resolved)}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("log")
        return out


_shared_sandboxes: dict[tuple[str, str | None], Any] = {}
_shared_lock = threading.Lock()


def sandbox_for(backend: str, *, image: str | None = None, **kwargs: Any) -> Any:
    """The sandbox that runs test commands: `bwrap` (host toolchain) or `docker`.

    Without extra options it is one sandbox per backend and process (every env of a rollout
    grades in the same Docker warm pool); options (`max_concurrency`, `warm`) make a new one.
    """
    if not kwargs:
        with _shared_lock:
            key = (backend, image)
            if key not in _shared_sandboxes:
                _shared_sandboxes[key] = sandbox_for(backend, image=image, shared=False)
            return _shared_sandboxes[key]
    kwargs.pop("shared", None)
    from agent_rl.tools.sandbox import Limits, get_sandbox

    limits = Limits(timeout=DEFAULT_TIMEOUT, memory_mb=1024, max_processes=64, disk_mb=128,
                    max_output_bytes=4 << 20)
    if backend == "docker":
        from agent_rl.envs.swe.images import ensure_env_image

        try:
            kwargs.setdefault("image", image or ensure_env_image())
        except Exception as exc:
            raise InfraError(f"SWE environment image: {exc}") from exc
    return get_sandbox(backend, limits=limits, **kwargs)


def prepare_tree(instance: SWEInstance, patch: str, workdir: Path) -> tuple[bool, str, str]:
    """Base tree + model patch + test patch in `workdir`; returns (applied, apply log,
    trace of the eval-script steps). Raises InfraError when git cannot run."""
    base = instance.base_tree()
    gitops.write_tree(workdir, base)
    first = gitops.plain_apply(workdir, patch, "--verbose")  # the harness's first command
    if first.returncode == 0:
        applied, apply_log = True, (first.stdout + first.stderr).strip()
    else:  # the rest of the chain (--3way, --reject, patch), from the base tree again
        shutil.rmtree(workdir)
        gitops.write_tree(workdir, base)
        applied, apply_log = gitops.apply_patch(workdir, patch)
    if not applied:
        return False, apply_log, ""
    trace: list[str] = []
    for rel in gitops.changed_paths(instance.test_patch):  # git checkout <base> -- tests
        target = workdir / rel
        if rel in base:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(base[rel], encoding="utf-8")
        elif target.exists():
            target.unlink()
    trace.append("+ git apply -v -")
    if instance.test_patch.strip():
        done = gitops.plain_apply(workdir, instance.test_patch, "-v")
        trace.append((done.stdout + done.stderr).rstrip())
    return True, apply_log, "\n".join(trace)


def harness_log(trace: str, command: str, output: str, exit_code: int | None) -> str:
    """The text of the harness's test_output.txt for one run of the eval script."""
    code = "" if exit_code is None else f"{TEST_EXIT_CODE}: {exit_code}\n"
    return (f"{trace}\n+ : '{START}'\n+ {command}\n{output.rstrip()}\n"
            f"+ : '{END}'\n{code}")


def swebench_report(instance: SWEInstance, patch: str | None, log_text: str,
                    log_dir: Path | None = None) -> dict[str, Any]:
    """swebench's `get_eval_report` entry for `log_text` (written as test_output.txt)."""
    from swebench.harness.grading import get_eval_report

    prediction = {"instance_id": instance.instance_id, "model_patch": patch,
                  "model_name_or_path": "agent-rl"}
    with tempfile.TemporaryDirectory(prefix="agent-rl-swe-log-") as tmp:
        where = Path(log_dir) if log_dir is not None else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        log_path = where / "test_output.txt"
        log_path.write_text(log_text, encoding="utf-8")
        report = get_eval_report(instance.test_spec(), prediction, str(log_path),
                                 include_tests_status=True)
    return report[instance.instance_id]


def grade(instance: SWEInstance, patch: str | None, sandbox: Any, *,
          timeout: float = DEFAULT_TIMEOUT, log_dir: Path | None = None) -> Verdict:
    """Grade `patch` for `instance` in `sandbox`; never raises for the agent's mistakes."""
    start = time.monotonic()
    backend = getattr(sandbox, "name", "")

    def done(verdict: Verdict) -> Verdict:
        verdict.duration = round(time.monotonic() - start, 4)
        verdict.backend = backend
        if log_dir is not None:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            (Path(log_dir) / "report.json").write_text(
                json.dumps({instance.instance_id: verdict.report}, indent=2), encoding="utf-8")
        return verdict

    iid = instance.instance_id
    if patch is None or not patch.strip():
        return done(Verdict(iid, False, "empty_patch"))
    try:
        with tempfile.TemporaryDirectory(prefix="agent-rl-swe-grade-") as tmp:
            workdir = Path(tmp) / "testbed"
            applied, apply_log, trace = prepare_tree(instance, patch, workdir)
            if not applied:
                log = f"{APPLY_PATCH_FAIL}:\n{apply_log}\n"
                return done(Verdict(iid, False, "patch_failed", log=log))
            files = gitops.read_tree(workdir)
    except InfraError as exc:
        return done(Verdict(iid, False, "infra_error", infra_error=str(exc)))
    result = sandbox.run(["/bin/sh", "-c", f"{instance.test_command} 2>&1"], files=files,
                         timeout=timeout)
    if result.infra_error:
        return done(Verdict(iid, False, "infra_error", applied=True,
                            infra_error=f"{backend}: {result.infra_error}"))
    log = harness_log(trace, instance.test_command, result.stdout + result.stderr,
                      result.exit_code)
    if result.timed_out:
        return done(Verdict(iid, False, "timeout", applied=True, log=log))
    try:
        report = swebench_report(instance, patch, log, log_dir)
    except Exception as exc:  # swebench itself failed on this log: not the agent's doing
        return done(Verdict(iid, False, "infra_error", applied=True, log=log,
                            infra_error=f"swebench grading failed: {exc!r}"))
    resolved = bool(report.get("resolved"))
    if log_dir is not None:
        (Path(log_dir) / "test_output.txt").write_text(log, encoding="utf-8")
    return done(Verdict(iid, resolved, "resolved" if resolved else "unresolved", applied=True,
                        report=report, log=log))


def status_map(instance: SWEInstance, output: str) -> dict[str, str]:
    """swebench's parsed test statuses of one raw test-command output."""
    from swebench.harness.log_parsers import PARSER_REGISTRY

    return dict(PARSER_REGISTRY[instance.log_parser](output, instance.test_spec()))
