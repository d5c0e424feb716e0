"""Evaluation over the same envs and policies as training: mean reward, pass@k, reports.

from agent_rl.evals import evaluate, write_report
report = evaluate("agent_rl/Math-v0", "oracle", n_tasks=16, k=1)
write_report(report, "runs/eval")
"""

from agent_rl.evals.evaluate import EvalReport, TaskResult, evaluate, run_eval
from agent_rl.evals.passk import mean_pass_at_k, pass_at_k
from agent_rl.evals.report import markdown, plot_rewards, write_json, write_markdown, write_report

__all__ = [
    "EvalReport",
    "TaskResult",
    "evaluate",
    "markdown",
    "mean_pass_at_k",
    "pass_at_k",
    "plot_rewards",
    "run_eval",
    "write_json",
    "write_markdown",
    "write_report",
]
