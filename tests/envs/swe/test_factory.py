"""`agent-rl swe make-instances`: every candidate bug is kept validated or dropped with a reason."""

from __future__ import annotations

import json

import pytest
from agent_rl.envs.swe.factory import failure_excerpt
from agent_rl.envs.swe.grading import grade
from agent_rl.envs.swe.instance import load_instances
from typer.testing import CliRunner


@pytest.mark.slow
def test_make_instances_on_one_repository(bwrap, tmp_path, shipped):
    from agent_rl.cli.main import app

    out = tmp_path / "made"
    res = CliRunner().invoke(app, ["swe", "make-instances", "--out-dir", str(out), "--repo",
                                   "money", "--limit-per-repo", "12", "--workers", "2"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout[res.stdout.index("{"):])
    assert summary["candidates"] == 12
    assert summary["kept"] + sum(summary["dropped"].values()) == 12
    made = load_instances(out / "swe_train.jsonl")[0] + load_instances(out / "swe_test.jsonl")[0]
    assert len(made) == summary["kept"] >= 1
    # the same bugs give the same records as the shipped ones (deterministic ids and commits)
    by_id = {i.instance_id: i for i in shipped}
    for instance in made:
        assert by_id[instance.instance_id] == instance
        assert grade(instance, instance.patch, bwrap).resolved
        assert not grade(instance, "", bwrap).resolved


def test_failure_excerpt_reads_unittest_output():
    output = (
        "test_a (tests.t.T.test_a) ... FAIL\n\n"
        "======================================================================\n"
        "FAIL: test_a (tests.t.T.test_a)\n"
        "----------------------------------------------------------------------\n"
        "Traceback (most recent call last):\n"
        '  File "/work/tests/t.py", line 5, in test_a\n'
        "    self.assertEqual(f(1), 2)\n"
        "AssertionError: 3 != 2\n\n"
        "----------------------------------------------------------------------\n"
        "Ran 1 test in 0.001s\n")
    assert failure_excerpt(output, "test_a (tests.t.T.test_a)") == "AssertionError: 3 != 2"
    assert "did not report" in failure_excerpt(output, "test_b (tests.t.T.test_b)")
