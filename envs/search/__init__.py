"""Multi-turn search sessions: retrieval backends, a fictional world, the env and its report.

Public API:
    SearchSessionEnv                                   (`agent_rl/SearchSession-v0`)
    Retriever, Hit, make_retriever, BM25Retriever, DenseRetriever, HTTPRetriever
    Corpus, Document, load_corpus, Session, Turn, load_sessions
    ScriptedUser, PolicyUser                           (simulated users)
    normalize, exact_match, token_f1, parse_reply, score_turn, TurnScore
    create_app, serve_retriever                        (Search-R1 `/retrieve` server)
    session_report                                     (eval metrics from trajectories)
"""

from __future__ import annotations

from agent_rl.envs.search.answer import ParsedReply, format_answer, parse_reply
from agent_rl.envs.search.corpus import Corpus, Document, load_corpus
from agent_rl.envs.search.retriever import Hit, Retriever, make_retriever
from agent_rl.envs.search.scoring import TurnScore, score_turn
from agent_rl.envs.search.sessions import Session, Turn, load_sessions
from agent_rl.envs.search.text import exact_match, normalize, token_f1
from agent_rl.envs.search.user import PolicyUser, ScriptedUser

from agent_rl.lazy import lazy_exports

_LAZY = {
    "SearchSessionEnv": "agent_rl.envs.search.env",
    "BM25Retriever": "agent_rl.envs.search.bm25",
    "DenseRetriever": "agent_rl.envs.search.dense",
    "HTTPRetriever": "agent_rl.envs.search.http",
    "create_app": "agent_rl.envs.search.server",
    "serve_retriever": "agent_rl.envs.search.server",
    "session_report": "agent_rl.envs.search.report",
}

__all__ = [
    "Corpus",
    "Document",
    "Hit",
    "ParsedReply",
    "PolicyUser",
    "Retriever",
    "ScriptedUser",
    "Session",
    "Turn",
    "TurnScore",
    "exact_match",
    "format_answer",
    "load_corpus",
    "load_sessions",
    "make_retriever",
    "normalize",
    "parse_reply",
    "score_turn",
    "token_f1",
    *_LAZY,
]


__getattr__ = lazy_exports(__name__, _LAZY)
