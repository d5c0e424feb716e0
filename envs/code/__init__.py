"""The code environment: programs graded by hidden tests in the project's sandbox.

Public API:
    CodeEnv (agent_rl/Code-v0)                          the environment
    CodeTask, IOCase, row_to_code_task, read_code_tasks,
    humaneval_task, mbpp_task, io_cases                 tasks and their file layouts
    load_code_tasks, humaneval_tasks, SAMPLE_PATH       datasets (sample, humaneval, files)
    evaluate_code, CodeVerdict, outputs_match           grading a program in a sandbox
    extract_code, code_blocks                           finding the program in a reply
    CodeTests                                           the typed task target (the tests)

`agent_rl/Code-v0` is registered by `agent_rl.envs` (BUILTIN_ENVS), like every built-in env.
"""

from agent_rl.envs.code.env import CodeEnv, render_prompt
from agent_rl.envs.code.extract import code_blocks, extract_code
from agent_rl.envs.code.grading import CodeVerdict, evaluate_code, outputs_match
from agent_rl.envs.code.sources import SAMPLE_PATH, humaneval_tasks, load_code_tasks
from agent_rl.envs.code.task import (
    CodeTask,
    CodeTests,
    IOCase,
    humaneval_task,
    io_cases,
    mbpp_task,
    read_code_tasks,
    row_to_code_task,
)

ENV_ID = "agent_rl/Code-v0"

__all__ = [
    "ENV_ID",
    "SAMPLE_PATH",
    "CodeEnv",
    "CodeTask",
    "CodeTests",
    "CodeVerdict",
    "IOCase",
    "code_blocks",
    "evaluate_code",
    "extract_code",
    "humaneval_task",
    "humaneval_tasks",
    "io_cases",
    "load_code_tasks",
    "mbpp_task",
    "outputs_match",
    "read_code_tasks",
    "render_prompt",
    "row_to_code_task",
]
