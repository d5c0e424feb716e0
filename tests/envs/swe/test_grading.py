"""Grading a patch the way swebench does: applied, tests run, swebench's parser and report."""

from __future__ import annotations

import dataclasses

import pytest
from agent_rl.envs.swe import gitops
from agent_rl.envs.swe.grading import grade, harness_log, status_map, swebench_report
from agent_rl.envs.swe.repos import TEST_COMMAND
from agent_rl.tools.sandbox import SandboxResult


def test_patch_commands_are_swebenchs():
    from swebench.harness.run_evaluation import GIT_APPLY_CMDS

    assert tuple(GIT_APPLY_CMDS) == gitops.GIT_APPLY_CMDS


def test_gold_patch_resolves_one_instance_per_repo(sample, bwrap):
    assert len(sample) == 5
    for instance in sample:
        verdict = grade(instance, instance.patch, bwrap)
        assert verdict.resolved and verdict.status == "resolved", verdict.log
        assert verdict.components() == {"applied": 1.0, "fail_to_pass": 1.0,
                                        "pass_to_pass": 1.0, "resolved": 1.0}
        assert verdict.infra_error is None


def test_empty_patch_scores_zero(sample, bwrap):
    for patch in ("", "   \n", None):
        verdict = grade(sample[0], patch, bwrap)
        assert not verdict.resolved and verdict.reward == 0.0 and verdict.status == "empty_patch"
        assert verdict.infra_error is None


def test_patch_that_does_not_apply_scores_zero(sample, bwrap):
    instance = sample[0]
    lines = instance.patch.splitlines(keepends=True)
    at = next(k for k, line in enumerate(lines)
              if line.startswith("-") and not line.startswith("---"))
    lines[at] = "-this line is not in the file\n"
    broken = "".join(lines)
    verdict = grade(instance, broken, bwrap)
    assert verdict.status == "patch_failed" and verdict.reward == 0.0
    assert verdict.infra_error is None
    not_a_diff = grade(instance, "please fix the bug\n", bwrap)
    assert not_a_diff.status == "patch_failed" and not_a_diff.reward == 0.0


def test_tests_only_patch_scores_zero(sample, bwrap):
    """A patch that rewrites the tests is undone by the test reset: never resolved."""
    instance = sample[0]
    base = instance.base_tree()
    test_file = next(p for p in base if p.startswith("tests/test_"))
    hacked = dict(base)
    hacked[test_file] = "import unittest\n\n\nclass T(unittest.TestCase):\n" \
                        "    def test_ok(self):\n        pass\n"
    patch = gitops.diff_trees(base, hacked)
    verdict = grade(instance, patch, bwrap)
    assert verdict.applied and verdict.status == "unresolved" and verdict.reward == 0.0
    assert verdict.components()["fail_to_pass"] == 0.0


def test_half_fix_is_partial_not_resolved(shipped, bwrap):
    """Breaking a PASS_TO_PASS test while fixing the FAIL_TO_PASS ones is not resolved."""
    instance = next(i for i in shipped if len(i.PASS_TO_PASS) > 3)
    base = instance.base_tree()
    with_gold = _apply(base, instance.patch)
    pkg = next(p for p in with_gold if p.endswith("__init__.py") and "/" in p
               and not p.startswith("tests/"))
    broken = dict(with_gold)
    broken[pkg] = with_gold[pkg] + "\nraise ImportError('broken on purpose')\n"
    verdict = grade(instance, gitops.diff_trees(base, broken), bwrap)
    assert verdict.status == "unresolved" and verdict.components()["pass_to_pass"] < 1.0


def _apply(files: dict[str, str], patch: str) -> dict[str, str]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        gitops.init_repo(tmp, files)
        assert gitops.apply_patch(tmp, patch)[0]
        return gitops.read_tree(tmp)


class _BrokenSandbox:
    name = "broken"

    def run(self, *args, **kwargs):
        return SandboxResult(exit_code=None, infra_error="engine down", backend="broken")


def test_infrastructure_failure_is_flagged_not_zero(sample):
    verdict = grade(sample[0], sample[0].patch, _BrokenSandbox())
    assert verdict.status == "infra_error" and verdict.infra_error
    assert "engine down" in verdict.infra_error


def test_bad_base_tree_is_an_infra_error(sample, bwrap):
    wrong = dataclasses.replace(sample[0], base_commit="0" * 40)
    verdict = grade(wrong, wrong.patch, bwrap)
    assert verdict.status == "infra_error" and "base_commit" in verdict.infra_error


def test_report_is_swebenchs_on_edge_case_logs(sample):
    """Our log text goes through swebench's own get_logs_eval: missing markers, a non-zero
    exit without failures, and a crashed suite are all unresolved, as swebench says."""
    from swebench.harness.grading import get_eval_report  # noqa: F401 (the reference)

    instance = sample[0]
    lines = [f"{t} ... ok" for t in instance.FAIL_TO_PASS + instance.PASS_TO_PASS]
    good = harness_log("+ git apply -v -", TEST_COMMAND, "\n".join(lines), 0)
    assert swebench_report(instance, instance.patch, good)["resolved"] is True
    lying = harness_log("", TEST_COMMAND, "\n".join(lines), 1)
    assert swebench_report(instance, instance.patch, lying)["resolved"] is False
    no_markers = "\n".join(lines)
    assert swebench_report(instance, instance.patch, no_markers)["resolved"] is False
    failed = [line.replace("... ok", "... FAIL") if i == 0 else line
              for i, line in enumerate(lines)]
    assert swebench_report(instance, instance.patch,
                           harness_log("", TEST_COMMAND, "\n".join(failed), 1))["resolved"] \
        is False
    assert status_map(instance, "\n".join(lines)) == {
        t: "PASSED" for t in instance.FAIL_TO_PASS + instance.PASS_TO_PASS}


@pytest.mark.parametrize("kind", ["flip", "noop"])
def test_verdict_matches_swebench_on_real_runs(sample, bwrap, kind, tmp_path):
    """The verdict is exactly swebench's get_eval_report on the log we wrote."""
    from swebench.harness.grading import get_eval_report

    instance = sample[1]
    patch = instance.patch if kind == "flip" else instance.test_patch
    verdict = grade(instance, patch, bwrap, log_dir=tmp_path)
    report = get_eval_report(instance.test_spec(), {"instance_id": instance.instance_id,
                                                    "model_patch": patch},
                             str(tmp_path / "test_output.txt"), include_tests_status=True)
    assert report[instance.instance_id]["resolved"] == verdict.resolved
    assert report[instance.instance_id]["tests_status"] == verdict.report["tests_status"]


def test_commit_sha_in_python_is_gits():
    from agent_rl.envs.swe.repos import list_repos, read_repo

    odd = {"a": "x", "a.b/c": "y", "a-b": "z", "ab/b": "w", "é.txt": "ü", "z/y/x.py": "",
           "A": "1"}
    for files in [odd, *(read_repo(r) for r in list_repos())]:
        assert gitops.tree_commit(files) == gitops.git_tree_commit(files)


def test_git_never_reads_a_git_dir_planted_in_the_tree(tmp_path):
    """The harness chain and the plain applier run with their own git dir: a `.git` in the
    tree (which `patch` could write) is never used, so its hooks and config never run."""
    marker = tmp_path / "pwned"
    lines = [f"line {i}\n" for i in range(12)]
    files = {"a.py": "".join(lines)}
    new = {"a.py": "".join(lines).replace("line 6\n", "line six\n")}
    patch = gitops.diff_trees(files, new)
    # context off by one line: git apply (and --3way, --reject) fail, GNU patch's fuzz applies
    # it; between the attempts the harness chain checks the tree out again
    fuzzy = patch.replace(" line 4\n", " line four\n")
    for apply, source in ((lambda root: gitops.apply_patch(root, fuzzy), fuzzy),
                          (lambda root: gitops.plain_apply(root, patch, "-v"), patch)):
        root = tmp_path / f"tree{id(apply)}"
        gitops.init_repo(root, files)
        config = root / ".git" / "config"
        config.write_text(config.read_text() + f"[core]\n\tfsmonitor = touch {marker}\n"
                          f"\thooksPath = /nonexistent\n[filter \"x\"]\n\tclean = touch {marker}\n"
                          f"\tsmudge = touch {marker}\n")
        (root / ".gitattributes").write_text("* filter=x\n")
        applied = apply(root)
        assert source and (root / "a.py").read_text() == new["a.py"], applied
        assert not marker.exists()
