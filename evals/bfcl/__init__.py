"""BFCL (Berkeley Function Calling Leaderboard) evaluation with the project's own checker.

Public API:
    check_entry, check_calls, check_call, Verdict, standardize   (the AST checker)
    APIWorld, Call, check_multi_turn, parse_call                  (multi-turn over BFCL's APIs)
    BFCLEntry, load_category                                       (bfcl-eval's shipped data)
    run_bfcl, grade_predictions, BFCLReport, write_report          (runs and reports)
    expand, summary, NOT_RUN, RUNNABLE                             (categories and the formula)
    compare, compare_multi_turn                                    (agreement with bfcl-eval)

`agent-rl eval bfcl --categories python --policy oracle --out-dir runs/bfcl` on the command line.
"""

from __future__ import annotations

from agent_rl.evals.bfcl.categories import NOT_RUN, RUNNABLE, expand, summary
from agent_rl.evals.bfcl.checker import Verdict, check_call, check_calls, check_entry, standardize

from agent_rl.lazy import lazy_exports

_LAZY = {
    "APIWorld": "agent_rl.evals.bfcl.multi_turn",
    "Call": "agent_rl.evals.bfcl.multi_turn",
    "check_multi_turn": "agent_rl.evals.bfcl.multi_turn",
    "parse_call": "agent_rl.evals.bfcl.multi_turn",
    "BFCLEntry": "agent_rl.evals.bfcl.data",
    "load_category": "agent_rl.evals.bfcl.data",
    "run_bfcl": "agent_rl.evals.bfcl.run",
    "grade_predictions": "agent_rl.evals.bfcl.run",
    "BFCLReport": "agent_rl.evals.bfcl.run",
    "write_report": "agent_rl.evals.bfcl.report",
    "compare": "agent_rl.evals.bfcl.agreement",
    "compare_multi_turn": "agent_rl.evals.bfcl.agreement",
}

__all__ = [
    "NOT_RUN",
    "RUNNABLE",
    "Verdict",
    "check_call",
    "check_calls",
    "check_entry",
    "expand",
    "standardize",
    "summary",
    *_LAZY,
]


__getattr__ = lazy_exports(__name__, _LAZY)
