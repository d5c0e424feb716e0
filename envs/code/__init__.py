"""The code environment: programs graded by hidden tests in the project's sandbox.

Public API:
    CodeEnv (agent_rl/Code-v0)                          the environment
    CodeTask, IOCase, row_to_code_task, read_code_tasks,
    humaneval_task, mbpp_task, io_cases                 tasks and their file layouts
    load_code_tasks, humaneval_tasks, SAMPLE_PATH       datasets (sample, humaneval, files)
    evaluate_code, CodeVerdict, outputs_match           grading a program in a sandbox
    extract_code, code_blocks                           finding the program in a reply
    python_tool, reset_python_tool                      the `python` tool for math (TIR)

Importing this package registers `agent_rl/Code-v0` (idempotent).
"""

from agent_rl.envs.code.env import CodeEnv, render_prompt
from agent_rl.envs.code.evaluate import CodeVerdict, evaluate_code, outputs_match
from agent_rl.envs.code.extract import code_blocks, extract_code
from agent_rl.envs.code.sources import SAMPLE_PATH, humaneval_tasks, load_code_tasks
from agent_rl.envs.code.task import (
    CodeTask,
    IOCase,
    humaneval_task,
    io_cases,
    mbpp_task,
    read_code_tasks,
    row_to_code_task,
)
from agent_rl.envs.code.tir import python_tool, reset_python_tool
from agent_rl.envs.core.registry import register

ENV_ID = "agent_rl/Code-v0"
ENTRY_POINT = "agent_rl.envs.code.env:CodeEnv"
DESCRIPTION = "Python programming tasks (HumanEval, MBPP, stdin/stdout) graded in a sandbox"


def register_code_env() -> None:
    """Register `agent_rl/Code-v0` (also usable as an `agent_rl.envs` entry point)."""
    register(ENV_ID, ENTRY_POINT, description=DESCRIPTION)


register_code_env()

__all__ = [
    "DESCRIPTION",
    "ENTRY_POINT",
    "ENV_ID",
    "SAMPLE_PATH",
    "CodeEnv",
    "CodeTask",
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
    "python_tool",
    "read_code_tasks",
    "register_code_env",
    "render_prompt",
    "reset_python_tool",
    "row_to_code_task",
]
