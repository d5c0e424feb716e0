"""Packaging: the layout keeps `envs/`, `tools/`, `evals/` and `sft_data/` at the repository root,
but they install as `agent_rl.envs`, `agent_rl.tools`, `agent_rl.evals` and `agent_rl.sft_data`,
so agent-rl owns one import namespace (PyPI already has top-level `envs`, `tools`, `evals`).

The package list is computed, not written out, so a new sub-package (an env family) is never
left out of the wheel. Metadata lives in pyproject.toml.
"""

from setuptools import find_packages, setup

MAPPED = ("envs", "tools", "evals", "sft_data")

packages = [p for p in find_packages(include=["agent_rl", "agent_rl.*"])]
package_dir = {"agent_rl": "agent_rl"}
for folder in MAPPED:
    package_dir[f"agent_rl.{folder}"] = folder
    packages += [f"agent_rl.{p}" for p in find_packages(include=[folder, f"{folder}.*"])]

setup(packages=packages, package_dir=package_dir)
