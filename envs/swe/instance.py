"""SWE-bench 5.x task instances: the record, its checks, its eval script and its base tree.

An instance has SWE-bench's fields (instance_id, repo, base_commit, problem_statement, patch,
test_patch, FAIL_TO_PASS, PASS_TO_PASS, version, environment_setup_commit) plus what swebench
5.x's harness needs to grade it from a local file (image, eval_script, log_parser, eval_type),
plus `environment`: where the repository at `base_commit` comes from here:

- `{"kind": "agent_rl_repo", "name": "money"}`: a repository the project ships; the base tree
  is the shipped tree with the gold patch and the test patch reversed (checked against
  `base_commit`);
- `{"kind": "local_repo", "path": "/src/astropy"}`: a local git clone holding `base_commit`
  (real SWE-bench instances; see docs/swe.md).
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_rl.envs.swe import gitops
from agent_rl.envs.swe.repos import LOG_PARSER, TEST_COMMAND, read_repo

from agent_rl.errors import DataError, InfraError

REQUIRED = ("instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch",
            "FAIL_TO_PASS", "PASS_TO_PASS", "version")
HARNESS = ("image", "eval_script", "log_parser", "eval_type")
START = ">>>>> Start Test Output"
END = ">>>>> End Test Output"
HEREDOC = "EOF_114329324912"
IMAGE_PREFIX = "sweb.eval.x86_64."


def image_name(instance_id: str) -> str:
    """swebench's local image name for an instance (no namespace)."""
    return f"{IMAGE_PREFIX}{instance_id.lower()}:latest"


def eval_script(base_commit: str, test_patch: str, test_command: str = TEST_COMMAND) -> str:
    """The harness's eval script: reset the test files, apply the test patch, run the tests
    between the output markers, reset again (the shape of SWE-bench's own scripts)."""
    test_files = " ".join(gitops.changed_paths(test_patch))
    reset = f"git checkout {base_commit} -- {test_files}" if test_files else ":"
    return "\n".join([
        "#!/bin/bash",
        "set -uxo pipefail",
        "cd /testbed",
        "git config --global --add safe.directory /testbed",
        reset,
        f"git apply -v - <<'{HEREDOC}'",
        test_patch.rstrip("\n"),
        HEREDOC,
        f": '{START}'",
        f"{test_command} 2>&1",
        f": '{END}'",
        reset,
        "",
    ])


def _as_list(value: Any, key: str, where: dict[str, Any]) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise DataError(f"not a JSON list: {exc.msg}", key=key, **where) from exc
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError("expected a list of test names", key=key, **where)
    return list(value)


@dataclass(frozen=True)
class SWEInstance:
    """One checked SWE-bench instance (FAIL_TO_PASS and PASS_TO_PASS as lists)."""

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    patch: str
    test_patch: str
    FAIL_TO_PASS: list[str]
    PASS_TO_PASS: list[str]
    version: str
    image: str
    eval_script: str
    log_parser: str = LOG_PARSER
    eval_type: str = "pass_and_fail"
    test_command: str = TEST_COMMAND
    environment: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Every other field of the record (split, created_at, mutation, ...), kept as is."""

    @classmethod
    def from_dict(cls, row: Mapping[str, Any], *, path: str | None = None,
                  line: int | None = None) -> SWEInstance:
        """Check a record; DataError names the file, line and field that is wrong."""
        where: dict[str, Any] = {"path": path, "line": line}
        if not isinstance(row, Mapping):
            raise DataError("an instance must be a JSON object", **where)
        missing = [k for k in REQUIRED if k not in row or row[k] is None]
        if missing:
            raise DataError(f"missing field(s) {missing}", key=missing[0], **where)
        for key in ("instance_id", "repo", "base_commit", "problem_statement", "patch",
                    "test_patch", "version"):
            if not isinstance(row[key], str):
                raise DataError("expected a string", key=key, **where)
        if not row["instance_id"].strip():
            raise DataError("empty instance_id", key="instance_id", **where)
        from swebench.harness.log_parsers import PARSER_REGISTRY

        log_parser = str(row.get("log_parser") or LOG_PARSER)
        if log_parser not in PARSER_REGISTRY:
            raise DataError(f"unknown swebench log parser {log_parser!r}", key="log_parser",
                            **where)
        eval_type = str(row.get("eval_type") or "pass_and_fail")
        if eval_type not in ("pass_and_fail", "fail_only"):
            raise DataError(f"unknown eval_type {eval_type!r}", key="eval_type", **where)
        environment = row.get("environment") or {}
        if not isinstance(environment, Mapping):
            raise DataError("expected an object", key="environment", **where)
        test_command = str(row.get("test_command") or TEST_COMMAND)
        known = {*REQUIRED, *HARNESS, "environment", "test_command"}
        return cls(
            instance_id=row["instance_id"],
            repo=row["repo"],
            base_commit=row["base_commit"],
            problem_statement=row["problem_statement"],
            patch=row["patch"],
            test_patch=row["test_patch"],
            FAIL_TO_PASS=_as_list(row["FAIL_TO_PASS"], "FAIL_TO_PASS", where),
            PASS_TO_PASS=_as_list(row["PASS_TO_PASS"], "PASS_TO_PASS", where),
            version=row["version"],
            image=str(row.get("image") or image_name(row["instance_id"])),
            eval_script=str(row.get("eval_script")
                            or eval_script(row["base_commit"], row["test_patch"], test_command)),
            log_parser=log_parser,
            eval_type=eval_type,
            test_command=test_command,
            environment=dict(environment),
            extra={k: v for k, v in row.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        """The SWE-bench record (lists as lists), harness fields and `environment` included."""
        out: dict[str, Any] = {
            "instance_id": self.instance_id, "repo": self.repo, "base_commit": self.base_commit,
            "problem_statement": self.problem_statement, "patch": self.patch,
            "test_patch": self.test_patch, "FAIL_TO_PASS": list(self.FAIL_TO_PASS),
            "PASS_TO_PASS": list(self.PASS_TO_PASS), "version": self.version,
            "environment_setup_commit": self.extra.get("environment_setup_commit",
                                                       self.base_commit),
            "image": self.image, "eval_script": self.eval_script, "log_parser": self.log_parser,
            "eval_type": self.eval_type, "test_command": self.test_command,
            "environment": dict(self.environment),
        }
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @property
    def split(self) -> str:
        return str(self.extra.get("split", "test"))

    def test_spec(self) -> Any:
        """swebench's TestSpec for this instance (`make_test_spec`, the harness's own)."""
        from swebench.harness.utils import make_test_spec

        return make_test_spec(self.to_dict())

    def base_tree(self) -> dict[str, str]:
        """The repository's files at `base_commit` (InfraError when they cannot be made)."""
        return dict(_base_tree(self.instance_id, self.base_commit, json.dumps(self.environment,
                    sort_keys=True), self.patch, self.test_patch))


@functools.lru_cache(maxsize=512)
def _base_tree(instance_id: str, base_commit: str, environment: str, patch: str,
               test_patch: str) -> tuple[tuple[str, str], ...]:
    env = json.loads(environment)
    kind = env.get("kind")
    if kind == "agent_rl_repo":
        files = reverse_patches(read_repo(str(env.get("name"))), [test_patch, patch])
        sha = gitops.tree_commit(files)
        if sha != base_commit:
            raise InfraError(f"{instance_id}: the rebuilt base tree has commit {sha[:12]}, "
                             f"not base_commit {base_commit[:12]}")
        return tuple(sorted(files.items()))
    if kind == "local_repo":
        repo = Path(str(env.get("path", "")))
        if not (repo / ".git").exists() and not (repo / "HEAD").exists():
            raise InfraError(f"{instance_id}: environment.path {repo} is not a git repository")
        with tempfile.TemporaryDirectory(prefix="agent-rl-swe-") as tmp:
            archive = Path(tmp) / "tree.tar"
            gitops.git(repo, "archive", "--format=tar", "-o", str(archive), base_commit)
            import tarfile

            out = Path(tmp) / "tree"
            with tarfile.open(archive) as tar:
                tar.extractall(out, filter="data")
            return tuple(sorted(gitops.read_tree(out).items()))
    raise InfraError(f"{instance_id}: unknown environment kind {kind!r} "
                     "(expected agent_rl_repo or local_repo)")


def reverse_patches(files: dict[str, str], patches: Iterable[str]) -> dict[str, str]:
    """`files` with each patch reversed (`git apply -R`), in the order given."""
    with tempfile.TemporaryDirectory(prefix="agent-rl-swe-") as tmp:
        root = Path(tmp) / "tree"
        gitops.write_tree(root, files)
        for patch in patches:
            if patch.strip():
                done = gitops.plain_apply(root, patch, "-R")
                if done.returncode != 0:
                    raise InfraError(f"a patch does not reverse: {done.stderr.strip()[-300:]}")
        return gitops.read_tree(root)


def load_instances(path: str | Path) -> tuple[list[SWEInstance], list[dict[str, Any]]]:
    """Read instances from JSON (a list), JSONL or parquet.

    Returns (instances, rejected): a record that fails its checks is not fatal; it comes back
    in `rejected` as `{"instance_id", "where", "reason"}` so a run reports it and goes on.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("file does not exist", path=str(p))
    rows: list[tuple[int | None, Any]]
    if p.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = [(i + 1, r) for i, r in enumerate(pq.read_table(p).to_pylist())]
    elif p.suffix == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON: {exc.msg}", path=str(p), line=exc.lineno) from exc
        if not isinstance(data, list):
            raise DataError("a .json dataset must hold a list of instances", path=str(p))
        rows = [(None, r) for r in data]
    else:
        from agent_rl.jsonl import iter_jsonl

        rows = list(iter_jsonl(p, objects=False))
    instances: list[SWEInstance] = []
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, (line, row) in enumerate(rows):
        where = f"{p}:{line}" if line is not None else f"{p}[{index}]"
        try:
            inst = SWEInstance.from_dict(row, path=str(p), line=line)
        except DataError as exc:
            iid = row.get("instance_id") if isinstance(row, dict) else None
            rejected.append({"instance_id": iid, "where": where, "reason": str(exc)})
            continue
        if inst.instance_id in seen:
            rejected.append({"instance_id": inst.instance_id, "where": where,
                             "reason": "duplicate instance_id"})
            continue
        seen.add(inst.instance_id)
        instances.append(inst)
    return instances, rejected
