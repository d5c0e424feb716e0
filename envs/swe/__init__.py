"""SWE: repository-repair environments, a SWE task factory and SWE-bench evaluation.

Public API:
    SWEEnv (agent_rl/SWE-v0), SWETarget, SWEScorer, load_swe_tasks     the environment
    SWEInstance, load_instances, eval_script, image_name              SWE-bench 5.x records
    grade, Verdict, sandbox_for                                       grading with swebench's
                                                                      parsers and report
    make_instances, mutations, list_repos, read_repo                  the task factory
    evaluate, EvalResult, run_swebench, ensure_images                 SWE-bench evaluation
    Workspace, BwrapShell, DockerShell                                an episode's repository

Heavy modules (swebench, libcst, docker) load when first used. See docs/swe.md.
"""

from __future__ import annotations

from agent_rl.lazy import lazy_exports

_LAZY = {
    "SWEEnv": "agent_rl.envs.swe.env",
    "SWETarget": "agent_rl.envs.swe.env",
    "SWEScorer": "agent_rl.envs.swe.env",
    "load_swe_tasks": "agent_rl.envs.swe.env",
    "SWEInstance": "agent_rl.envs.swe.instance",
    "load_instances": "agent_rl.envs.swe.instance",
    "eval_script": "agent_rl.envs.swe.instance",
    "image_name": "agent_rl.envs.swe.instance",
    "grade": "agent_rl.envs.swe.grading",
    "Verdict": "agent_rl.envs.swe.grading",
    "sandbox_for": "agent_rl.envs.swe.grading",
    "make_instances": "agent_rl.envs.swe.factory",
    "mutations": "agent_rl.envs.swe.mutate",
    "list_repos": "agent_rl.envs.swe.repos",
    "read_repo": "agent_rl.envs.swe.repos",
    "evaluate": "agent_rl.envs.swe.evaluate",
    "EvalResult": "agent_rl.envs.swe.evaluate",
    "run_swebench": "agent_rl.envs.swe.harness",
    "ensure_images": "agent_rl.envs.swe.images",
    "Workspace": "agent_rl.envs.swe.workspace",
    "BwrapShell": "agent_rl.envs.swe.shell",
    "DockerShell": "agent_rl.envs.swe.shell",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_exports(__name__, _LAZY)
