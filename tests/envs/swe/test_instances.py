"""The shipped instances: enough of them, split, in SWE-bench's format, and rebuildable."""

from __future__ import annotations

import json

import pytest
from agent_rl.envs.swe import gitops
from agent_rl.envs.swe.instance import HARNESS, REQUIRED, SWEInstance, load_instances
from agent_rl.envs.swe.repos import list_repos, read_repo

from agent_rl.errors import DataError


def test_at_least_200_instances_over_five_repositories(shipped):
    assert len(shipped) >= 200
    assert {i.repo for i in shipped} == {f"agent-rl/{r}" for r in list_repos()}
    assert len(list_repos()) == 5
    assert len({i.instance_id for i in shipped}) == len(shipped)


def test_split_is_the_envs_hashed_split(shipped, held_out):
    """The shipped files split as `split_tasks` does (by what a task asks), so no held-out
    problem statement is also a training one."""
    from agent_rl.envs.core.source import split_tasks
    from agent_rl.envs.swe.env import instance_task

    tasks = [instance_task(i) for i in shipped]
    test_ids = {i.instance_id for i in held_out}
    assert {t.id for t in split_tasks(tasks, "test")} == test_ids
    assert 0.1 * len(shipped) < len(test_ids) < 0.3 * len(shipped)
    for instance in shipped:
        assert instance.split == ("test" if instance.instance_id in test_ids else "train")
    train_statements = {i.problem_statement for i in shipped if i.instance_id not in test_ids}
    assert not any(i.problem_statement in train_statements for i in held_out)


def test_records_have_swebench_and_harness_fields(shipped):
    from swebench.harness.utils import make_test_spec

    row = shipped[0].to_dict()
    for key in (*REQUIRED, *HARNESS, "environment_setup_commit", "created_at", "hints_text"):
        assert key in row, key
    spec = make_test_spec(row)  # swebench's own constructor accepts it
    assert spec.image == f"sweb.eval.x86_64.{row['instance_id']}:latest"
    assert "git apply -v -" in row["eval_script"] and ">>>>> Start Test Output" in row[
        "eval_script"]
    for instance in shipped:
        assert instance.FAIL_TO_PASS and instance.PASS_TO_PASS
        assert not set(instance.FAIL_TO_PASS) & set(instance.PASS_TO_PASS)
        assert gitops.changed_paths(instance.patch) and all(
            not p.startswith("tests/") for p in gitops.changed_paths(instance.patch))
        assert all(p.startswith("tests/") for p in gitops.changed_paths(instance.test_patch))


def test_problem_statements_come_from_test_output_not_the_diff(shipped):
    for instance in shipped:
        text = instance.problem_statement
        assert "diff --git a/" not in text
        hunks = [line for line in instance.patch.splitlines() if line.startswith("@@ ")]
        assert hunks and not any(h in text for h in hunks)
        assert instance.FAIL_TO_PASS[0] in text
        assert "fails with:" in text


def test_base_trees_rebuild_to_their_commits(shipped):
    for instance in shipped[::25]:
        files = instance.base_tree()
        assert gitops.tree_commit(files) == instance.base_commit
        # the FAIL_TO_PASS tests are not in the base; the test patch brings them back
        method = instance.FAIL_TO_PASS[0].split()[0]
        clean = read_repo(instance.environment["name"])
        assert sum(f"def {method}(" in t for t in files.values()) < sum(
            f"def {method}(" in t for t in clean.values())


def test_bad_records_are_rejected_with_their_reason(shipped, tmp_path):
    good = shipped[0].to_dict()
    missing = {k: v for k, v in good.items() if k != "FAIL_TO_PASS"}
    bad_list = {**good, "instance_id": "x-2", "PASS_TO_PASS": "not json"}
    bad_parser = {**good, "instance_id": "x-3", "log_parser": "parse_log_nothing"}
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (good, missing, bad_list, bad_parser,
                                                       good)) + "\n")
    instances, rejected = load_instances(path)
    assert [i.instance_id for i in instances] == [good["instance_id"]]
    reasons = [r["reason"] for r in rejected]
    assert "FAIL_TO_PASS" in reasons[0] and f"{path}:2" in rejected[0]["where"]
    assert "PASS_TO_PASS" in reasons[1] and "log_parser" in reasons[2]
    assert reasons[3] == "duplicate instance_id"


def test_json_and_parquet_files_load(shipped, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [i.to_dict() for i in shipped[:3]]
    (tmp_path / "d.json").write_text(json.dumps(rows))
    table = pa.Table.from_pylist([{**r, "FAIL_TO_PASS": json.dumps(r["FAIL_TO_PASS"]),
                                   "PASS_TO_PASS": json.dumps(r["PASS_TO_PASS"]),
                                   "environment": None, "mutation": None} for r in rows])
    pq.write_table(table, tmp_path / "d.parquet")
    a, _ = load_instances(tmp_path / "d.json")
    b, bad = load_instances(tmp_path / "d.parquet")
    assert [i.FAIL_TO_PASS for i in a] == [i.FAIL_TO_PASS for i in b] == [
        i.FAIL_TO_PASS for i in shipped[:3]]
    assert not bad
    with pytest.raises(DataError, match="does not exist"):
        load_instances(tmp_path / "none.jsonl")


def test_round_trip(shipped):
    for instance in shipped[:5]:
        assert SWEInstance.from_dict(instance.to_dict()) == instance
