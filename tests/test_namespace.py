"""agent-rl owns one import namespace: `envs/`, `tools/`, `evals/` and `sft_data/` install as
`agent_rl.*`, and a user's own (or PyPI's) top-level `envs` and `tools` keep working beside it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPED = ("envs", "tools", "evals", "sft_data")


def test_the_four_folders_import_under_agent_rl() -> None:
    import agent_rl.envs
    import agent_rl.evals
    import agent_rl.sft_data
    import agent_rl.tools

    for name, module in zip(
        MAPPED, (agent_rl.envs, agent_rl.tools, agent_rl.evals, agent_rl.sft_data), strict=True
    ):
        assert Path(module.__file__).resolve() == (ROOT / name / "__init__.py").resolve()
    assert not {name for name in MAPPED if name in sys.modules}, "a top-level copy was imported"


def test_no_source_file_imports_the_old_top_level_names() -> None:
    pattern = r"^\s*(from|import) (envs|tools|evals|sft_data)(\.|\s|$)"
    out = subprocess.run(
        ["git", "grep", "-nE", pattern, "--", "*.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.stdout == "", f"old top-level imports remain:\n{out.stdout}"


def _build(src: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(src)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = [p for p in out.glob("*.whl") if p.name.startswith(src.name.replace("-", "_"))]
    return wheel


@pytest.fixture(scope="module")
def agent_rl_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src") / "agent-rl"
    # Build from a copy of the tracked files, so the build leaves nothing in the checkout.
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for rel in filter(None, files):
        target = src / rel.decode()
        if (ROOT / rel.decode()).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / rel.decode()).read_bytes())
    return _build(src, out)


@pytest.mark.slow
def test_wheel_has_one_top_level_name(agent_rl_wheel: Path) -> None:
    with zipfile.ZipFile(agent_rl_wheel) as wheel:
        names = wheel.namelist()
        tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        entry_text = wheel.read(entry_points).decode()
    assert tops == {"agent_rl"}
    for folder in MAPPED:  # every sub-package of each folder is in the wheel, data files too
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.relative_to(ROOT).as_posix()
            assert f"agent_rl/{rel}" in names, f"{rel} missing from the wheel"
    assert "agent_rl/envs/math/data/sample.jsonl" in names
    assert "builtin = agent_rl.envs:register_builtin_envs" in entry_text


def _stand_in(tmp: Path, name: str) -> Path:
    """A tiny PyPI-like package that owns the top-level name `name`."""
    src = tmp / f"standin-{name}"
    (src / name).mkdir(parents=True)
    (src / name / "__init__.py").write_text(f"OWNER = 'standin-{name}'\n")
    (src / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "standin-{name}"
            version = "1.0"
            [tool.setuptools]
            packages = ["{name}"]
            """)
    )
    return _build(src, tmp / "wheels")


@pytest.mark.slow
def test_fresh_venv_with_envs_and_tools_installed_keeps_both(
    tmp_path: Path, agent_rl_wheel: Path
) -> None:
    """`pip install` of agent-rl next to packages named `envs` and `tools`: all three work.

    The venv borrows this environment's third-party packages through a path entry (a .pth
    line: its own .pth files, such as the editable install's finder, are not run), so only the
    three wheels under test are installed in it.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheels = [_stand_in(tmp_path, "envs"), _stand_in(tmp_path, "tools"), agent_rl_wheel]
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         *map(str, wheels)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    probe = textwrap.dedent("""\
        import envs, tools
        assert envs.OWNER == "standin-envs" and tools.OWNER == "standin-tools"
        import agent_rl
        from agent_rl import envs as are, tools as art
        assert "site-packages" in are.__file__ and "site-packages" in agent_rl.__file__
        env = are.make("agent_rl/Calculator-v0")
        obs, info = env.reset(seed=0)
        assert info["tools"][0]["function"]["name"] == "calculator"
        assert art.ToolSet is not None and envs.OWNER == "standin-envs"
        print("ok")
        """)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    out = subprocess.run(
        [python, "-c", probe], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    cli = subprocess.run(
        [venv / "bin" / "agent-rl", "envs", "list"], cwd=tmp_path, capture_output=True,
        text=True, env=env,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert "agent_rl/Math-v0" in cli.stdout
