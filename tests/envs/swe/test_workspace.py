"""The episode workspace: one commit of history, confined editor, search, diff."""

from __future__ import annotations

import pytest
from agent_rl.envs.swe import gitops
from agent_rl.envs.swe.workspace import Workspace, WorkspaceError

FILES = {"pkg/__init__.py": "", "pkg/core.py": "def f(x):\n    return x + 1\n",
         "tests/test_core.py": "import unittest\n"}


@pytest.fixture
def ws():
    workspace = Workspace(dict(FILES))
    yield workspace
    workspace.close()


def test_history_holds_only_the_base_commit(sample):
    """Nothing after the base: no later commits, tags, remotes, reflog or stash."""
    workspace = Workspace(sample[0].base_tree())
    try:
        root = workspace.root
        log = gitops.git(root, "log", "--all", "--format=%H").stdout.split()
        assert log == [workspace.base_commit] == [sample[0].base_commit]
        assert gitops.git(root, "rev-list", "--all", "--reflog").stdout.split() == log
        assert gitops.git(root, "tag").stdout == ""
        assert gitops.git(root, "remote").stdout == ""
        assert gitops.git(root, "stash", "list").stdout == ""
        refs = gitops.git(root, "for-each-ref", "--format=%(refname)").stdout.split()
        assert refs == ["refs/heads/main"]
        assert not (root / ".git" / "logs").exists()
        assert gitops.git(root, "reflog", check=False).stdout.strip() == ""
        # the object store holds exactly what the base commit reaches: no dangling fix
        stored = gitops.git(root, "cat-file", "--batch-all-objects", "--batch-check").stdout
        reachable = gitops.git(root, "rev-list", "--objects", "--all").stdout
        assert len(stored.splitlines()) == len(reachable.splitlines())
        buggy_line = next(line[1:].strip() for line in sample[0].patch.splitlines()
                          if line.startswith("-") and not line.startswith("---")
                          and line[1:].strip())
        assert gitops.git(root, "grep", "-qF", buggy_line, log[0], check=False).returncode == 0
    finally:
        workspace.close()


def test_editor_view_create_replace_insert_undo(ws):
    assert "     2\t    return x + 1" in ws.view("pkg/core.py")
    assert ws.view("pkg/core.py", [2, 2]).strip() == "2\t    return x + 1"
    ws.str_replace("pkg/core.py", "x + 1", "x + 2")
    assert "x + 2" in (ws.root / "pkg/core.py").read_text()
    ws.insert("pkg/core.py", 0, "# header")
    assert (ws.root / "pkg/core.py").read_text().startswith("# header\n")
    ws.undo("pkg/core.py")
    ws.undo("pkg/core.py")
    assert (ws.root / "pkg/core.py").read_text() == FILES["pkg/core.py"]
    ws.create("/testbed/pkg/new.py", "y = 1\n")
    assert "pkg/new.py" in ws.diff()
    ws.undo("pkg/new.py")
    assert ws.diff() == ""
    assert "pkg/core.py" in ws.view(".")


@pytest.mark.parametrize("call", [
    lambda w: w.view("../../etc/passwd"),
    lambda w: w.view("/etc/passwd"),
    lambda w: w.create(".git/config", "x"),
    lambda w: w.view("missing.py"),
    lambda w: w.view("pkg/core.py", [5, 9]),
    lambda w: w.str_replace("pkg/core.py", "nothere", "x"),
    lambda w: w.str_replace("pkg/core.py", "x", "y"),
    lambda w: w.insert("pkg/core.py", 99, "x"),
    lambda w: w.undo("pkg/core.py"),
    lambda w: w.search("("),
])
def test_editor_errors_are_readable(ws, call):
    with pytest.raises(WorkspaceError) as caught:
        call(ws)
    assert str(caught.value)


def test_symlink_out_of_the_workspace_is_refused(ws):
    (ws.root / "link").symlink_to("/etc")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.view("link/passwd")


def test_search_and_diff_include_new_files(ws):
    assert ws.search(r"return x") == "pkg/core.py:2: return x + 1"
    assert ws.search("nothing here").startswith("No matches")
    (ws.root / "extra.txt").write_text("hello\n")
    patch = ws.diff()
    assert "b/extra.txt" in patch and gitops.changed_paths(patch) == ["extra.txt"]
    # the diff leaves the repository's own index alone
    assert gitops.git(ws.root, "status", "--porcelain").stdout.strip() == "?? extra.txt"


def test_diff_never_runs_the_workspaces_own_git_config(ws, tmp_path):
    """The agent owns .git in its workspace: hooks, fsmonitor or filters written there must
    not run on the host when the submission is diffed."""
    marker = tmp_path / "pwned"
    config = ws.root / ".git" / "config"
    config.write_text(config.read_text() + f"[core]\n\tfsmonitor = touch {marker}\n"
                      f"[filter \"x\"]\n\tclean = touch {marker}\n")
    (ws.root / ".gitattributes").write_text("* filter=x\n")
    hook = ws.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    (ws.root / "pkg" / "core.py").write_text("def f(x):\n    return x + 2\n")
    patch = ws.diff()
    assert "+    return x + 2" in patch and ".gitattributes" in patch
    assert not marker.exists()


def test_symlinks_are_diffed_as_links_never_followed(ws, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    (ws.root / "leak").symlink_to(secret)
    (ws.root / "leakdir").symlink_to(tmp_path)
    patch = ws.diff()
    assert "new file mode 120000" in patch and str(secret) in patch
    assert "TOPSECRET" not in patch
    (ws.root / "leak.py").symlink_to(secret)
    assert "TOPSECRET" not in ws.search("TOP", glob="*")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.view("leak.py")


def test_grading_never_reads_through_a_symlink_a_patch_creates(sample, bwrap, tmp_path):
    from agent_rl.envs.swe.grading import grade

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    instance = sample[0]
    target = str(secret)
    link_patch = (f"diff --git a/leak.txt b/leak.txt\nnew file mode 120000\nindex 0000000..1111111\n"
                  f"--- /dev/null\n+++ b/leak.txt\n@@ -0,0 +1 @@\n+{target}\n"
                  "\\ No newline at end of file\n")
    test_file = next(p for p in instance.base_tree() if p.startswith("tests/test_"))
    cat = ("diff --git a/tests/test_zz.py b/tests/test_zz.py\nnew file mode 100644\n"
           "--- /dev/null\n+++ b/tests/test_zz.py\n@@ -0,0 +1,2 @@\n"
           "+import os\n+print(open('leak.txt').read() if os.path.exists('leak.txt') else '')\n")
    verdict = grade(instance, instance.patch + link_patch + cat, bwrap)
    assert verdict.infra_error is None and verdict.applied, (verdict.status, test_file)
    assert "TOPSECRET" not in verdict.log


def test_a_workspace_nobody_closes_is_removed_with_it():
    import gc

    from agent_rl.envs.swe.workspace import Workspace

    ws = Workspace({"a.py": "x = 1\n"})
    home = ws.home
    assert home is not None and home.exists()
    del ws
    gc.collect()
    assert not home.exists()
    closed = Workspace({"a.py": "x = 1\n"})
    closed.close()
    closed.close()  # twice is fine
    assert closed.home is not None and not closed.home.exists()
