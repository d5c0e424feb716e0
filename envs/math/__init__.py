"""Math environments: task sources, answer extraction, the shared verifier, the calculator.

Public API:
    MathEnv (agent_rl/Math-v0), CalculatorEnv (agent_rl/Calculator-v0)
    Verifier, Verdict, get_verifier             (math-verify in killable worker processes)
    extract_answer, last_boxed                  (final-answer extraction)
    load_tasks, row_to_task, reasoning_gym_tasks, generate_arithmetic_tasks, SAMPLE_TASKS
    calculate, calculator_tool                  (the safe calculator)
"""

from agent_rl.envs.math.calculator import calculate, calculator_tool
from agent_rl.envs.math.calculator_env import CalculatorEnv, generate_arithmetic_tasks
from agent_rl.envs.math.env import MathEnv
from agent_rl.envs.math.extract import extract_answer, last_boxed
from agent_rl.envs.math.sources import SAMPLE_TASKS, load_tasks, reasoning_gym_tasks, row_to_task
from agent_rl.envs.math.verify import Verdict, Verifier, get_verifier

__all__ = [
    "SAMPLE_TASKS",
    "CalculatorEnv",
    "MathEnv",
    "Verdict",
    "Verifier",
    "calculate",
    "calculator_tool",
    "extract_answer",
    "generate_arithmetic_tasks",
    "get_verifier",
    "last_boxed",
    "load_tasks",
    "reasoning_gym_tasks",
    "row_to_task",
]
