"""`agent-rl swe make-instances`: validated SWE-bench instances from injected bugs.

For each shipped repository: the clean suite must pass three runs alike; each mutation
(`agent_rl.envs.swe.mutate`) is a candidate bug. A candidate is kept only if
- at least one test passes on the clean code and fails with the bug (FAIL_TO_PASS, at most
  `max_fail`), every other test passes with it (PASS_TO_PASS), and the three runs with the bug
  give the same statuses (no flaky tests);
- the gold patch (the reverse diff of the bug) resolves it when graded exactly as a model's
  patch is (`grading.grade`: swebench's parser and report), and the empty patch does not.
The FAIL_TO_PASS tests are removed from the base commit and come back in `test_patch`, as in
SWE-bench. The problem statement is written from the failing tests' output and their source,
never from the diff. Candidates run in parallel worker threads, each test run in the sandbox.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.envs.swe import gitops
from agent_rl.envs.swe.grading import grade
from agent_rl.envs.swe.instance import SWEInstance, eval_script, image_name
from agent_rl.envs.swe.mutate import Mutation, drop_tests, method_source, mutations
from agent_rl.envs.swe.repos import (
    LOG_PARSER,
    REPO_OWNER,
    TEST_COMMAND,
    is_test_file,
    list_repos,
    read_repo,
    source_files,
)

from agent_rl.errors import InfraError

PASSED = "PASSED"
VERSION = "1.0"
_TEST_NAME = re.compile(r"^(\w+) \(([\w.]+)\.(\w+)\.(\w+)\)$")
STABILITY_RUNS = 3


@dataclass
class FactoryReport:
    """What happened to every candidate: kept, or dropped with its reason."""

    kept: int = 0
    candidates: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    per_repo: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def split_of(instance: SWEInstance) -> str:
    """The held-out split of an instance: the envs' own hashed split of what its task asks
    (`split_key`: the prompt SWE-v0 poses), so the shipped files and `split_tasks` agree and
    two bugs with the same failing tests never straddle train and test."""
    from agent_rl.envs.core.source import in_test_split, split_key
    from agent_rl.envs.swe.env import instance_task

    return "test" if in_test_split(split_key(instance_task(instance))) else "train"


def run_suite(files: dict[str, str], sandbox: Any, timeout: float = 60) -> tuple[str, int | None]:
    """One run of the test command; returns (output, exit code). InfraError if the sandbox is."""
    result = sandbox.run(["/bin/sh", "-c", f"{TEST_COMMAND} 2>&1"], files=files, timeout=timeout)
    if result.infra_error:
        raise InfraError(f"sandbox: {result.infra_error}")
    return result.stdout + result.stderr, (None if result.timed_out else result.exit_code)


def _statuses(files: dict[str, str], sandbox: Any, parse: Callable[[str], dict[str, str]],
              runs: int) -> tuple[list[dict[str, str]], str]:
    maps, first = [], ""
    for _ in range(runs):
        output, _code = run_suite(files, sandbox)
        maps.append(parse(output))
        first = first or output
    return maps, first


def failure_excerpt(output: str, test: str, max_lines: int = 12) -> str:
    """The exception lines unittest printed for `test` (after its last traceback frame)."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("FAIL: ", "ERROR: ")) and line.split(": ", 1)[1].strip() == test:
            block: list[str] = []
            for nxt in lines[i + 2:]:
                if nxt.startswith(("=" * 20, "-" * 20)):
                    break
                block.append(nxt)
            last_frame = max((k for k, b in enumerate(block) if b.startswith("  File ")),
                             default=-1)
            tail = [b for b in block[last_frame + 2:] if b.strip()] if last_frame >= 0 else block
            return "\n".join(tail[-max_lines:]).strip()
    return "(the test did not report a result: it may not have run)"


def problem_statement(repo: str, fail: list[str], output: str, tests: dict[str, str]) -> str:
    """An issue text from the failing tests' output and source (never from the fix)."""
    first = _TEST_NAME.match(fail[0])
    title_target = f"`{first.group(1)}`" if first else "a test"
    parts = [f"{repo}: {title_target} fails", "",
             f"Running the test suite of `{repo}` gives {len(fail)} failing "
             f"test{'s' if len(fail) > 1 else ''}:", ""]
    parts += [f"- {name}" for name in fail]
    for name in fail[:2]:
        match = _TEST_NAME.match(name)
        if not match:
            continue
        method, module, cls = match.group(1), match.group(2), match.group(3)
        source = method_source(tests.get(module.replace(".", "/") + ".py", ""), cls, method)
        parts += ["", f"`{module}.{cls}.{method}`:", ""]
        if source:
            parts += ["```python", source, "```", ""]
        parts += ["fails with:", "", "```", failure_excerpt(output, name), "```"]
    parts += ["", "The tests describe the intended behaviour. Please fix the library code so "
              "that they pass without breaking any other test."]
    return "\n".join(parts)


def build_instance(repo: str, number: int, clean: dict[str, str], buggy: dict[str, str],
                   fail: list[str], passing: list[str], output: str,
                   mutation: Mutation) -> SWEInstance:
    """The SWE-bench record of one bug (base tree = buggy code, FAIL_TO_PASS tests removed)."""
    drop: dict[str, set[tuple[str, str]]] = {}
    for name in fail:
        match = _TEST_NAME.match(name)
        if match is None:
            raise ValueError(f"unexpected unittest name {name!r}")
        path = match.group(2).replace(".", "/") + ".py"
        drop.setdefault(path, set()).add((match.group(3), match.group(4)))
    base = dict(buggy)
    for path, names in drop.items():
        base[path], removed = drop_tests(base[path], names)
        if removed != names:
            raise ValueError(f"could not remove {sorted(names - removed)} from {path}")
    patch = gitops.diff_trees(buggy, clean)
    test_patch = gitops.diff_trees(base, buggy)
    base_commit = gitops.tree_commit(base)
    instance_id = f"{REPO_OWNER}__{repo}-{number}"
    tests = {p: t for p, t in clean.items() if is_test_file(p)}
    row = {
        "instance_id": instance_id,
        "repo": f"{REPO_OWNER}/{repo}",
        "base_commit": base_commit,
        "problem_statement": problem_statement(repo, fail, output, tests),
        "hints_text": "",
        "created_at": "2025-01-01T00:00:00Z",
        "patch": patch,
        "test_patch": test_patch,
        "FAIL_TO_PASS": fail,
        "PASS_TO_PASS": passing,
        "version": VERSION,
        "environment_setup_commit": base_commit,
        "image": image_name(instance_id),
        "eval_script": eval_script(base_commit, test_patch),
        "log_parser": LOG_PARSER,
        "eval_type": "pass_and_fail",
        "test_command": TEST_COMMAND,
        "environment": {"kind": "agent_rl_repo", "name": repo},
        "mutation": {"path": mutation.path, "kind": mutation.kind, "line": mutation.line,
                     "description": mutation.description},
    }
    instance = SWEInstance.from_dict(row)
    return SWEInstance.from_dict({**row, "split": split_of(instance)})


def _candidate(repo: str, number: int, clean: dict[str, str], clean_map: dict[str, str],
               mutation: Mutation, new_source: str, sandbox: Any,
               max_fail: int) -> tuple[SWEInstance | None, str]:
    buggy = {**clean, mutation.path: new_source}
    parse = _parser()
    maps, output = _statuses(buggy, sandbox, parse, 1)
    bug_map = maps[0]
    fail = sorted(t for t, s in clean_map.items() if s == PASSED and bug_map.get(t) != PASSED)
    passing = sorted(t for t, s in clean_map.items() if s == PASSED and bug_map.get(t) == PASSED)
    if not fail:
        return None, "no failing test"
    if len(fail) > max_fail:
        return None, f"more than {max_fail} failing tests"
    if not passing:
        return None, "no passing test left"
    # Only a candidate worth keeping pays for the stability runs (three in all).
    more, _ = _statuses(buggy, sandbox, parse, STABILITY_RUNS - 1)
    if any(m != bug_map for m in more):
        return None, "flaky"
    try:
        instance = build_instance(repo, number, clean, buggy, fail, passing, output, mutation)
    except ValueError as exc:
        return None, f"cannot build: {exc}"
    gold = grade(instance, instance.patch, sandbox)
    if gold.infra_error:
        raise InfraError(gold.infra_error)
    if not gold.resolved:
        return None, f"gold patch does not resolve ({gold.status})"
    if grade(instance, "", sandbox).resolved:
        return None, "empty patch resolves"
    return instance, "kept"


def _parser() -> Callable[[str], dict[str, str]]:
    from swebench.harness.log_parsers import PARSER_REGISTRY

    parser = PARSER_REGISTRY[LOG_PARSER]
    return lambda text: dict(parser(text, None))


def make_instances(
    out_dir: str | Path,
    *,
    repos: list[str] | None = None,
    sandbox: Any = None,
    workers: int = 2,
    max_fail: int = 8,
    limit_per_repo: int | None = None,
    log: Callable[[str], None] = print,
) -> FactoryReport:
    """Generate, validate and write instances to `out_dir/swe_{train,test}.jsonl`.

    Files are written to a temporary name and moved into place only when complete.
    """
    from agent_rl.envs.swe.grading import sandbox_for

    start = time.monotonic()
    sandbox = sandbox or sandbox_for("bwrap")
    report = FactoryReport()
    kept: list[SWEInstance] = []
    parse = _parser()
    for repo in repos or list_repos():
        clean = read_repo(repo)
        maps, _ = _statuses(clean, sandbox, parse, STABILITY_RUNS)
        clean_map = maps[0]
        if not clean_map or any(m != clean_map for m in maps) or any(
                s != PASSED for s in clean_map.values()):
            raise InfraError(f"the clean test suite of {repo} does not pass three times alike")
        jobs = []
        number = 0
        for path in source_files(clean):
            for mutation, new_source in mutations(path, clean[path]):
                number += 1
                jobs.append((number, mutation, new_source))
        if limit_per_repo is not None:
            jobs = jobs[:limit_per_repo]
        report.candidates += len(jobs)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_candidate, repo, n, clean, clean_map, m, s, sandbox, max_fail)
                       for n, m, s in jobs]
            for future in futures:
                instance, reason = future.result()
                if instance is None:
                    report.drop(reason.split(" (")[0])
                else:
                    kept.append(instance)
        report.per_repo[repo] = sum(1 for i in kept if i.repo.endswith(f"/{repo}"))
        log(f"{repo}: {report.per_repo[repo]} kept of {len(jobs)} candidates")
    report.kept = len(kept)
    write_instances(kept, Path(out_dir))
    report.seconds = round(time.monotonic() - start, 1)
    return report


def write_instances(instances: list[SWEInstance], out_dir: Path) -> dict[str, Path]:
    """Write `swe_train.jsonl` and `swe_test.jsonl` (atomically, each complete or absent)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for split in ("train", "test"):
        target = out_dir / f"swe_{split}.jsonl"
        tmp = target.with_suffix(".jsonl.tmp")
        rows = [i.to_dict() for i in instances if i.split == split]
        tmp.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows),
                       encoding="utf-8")
        tmp.replace(target)
        written[split] = target
    return written
