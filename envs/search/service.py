"""The per-episode search service behind the `search` and `open` tools.

It remembers every doc id the agent retrieved or opened in the session (grounding checks it)
and counts searches. A retriever failure becomes a tool result the model can read with
`ToolResult.infra_error` set, which the base env reports on the step, so the episode is
marked and excluded instead of scoring 0. The tools reset the service at each episode
(`Tool(on_reset=...)`) and close the retriever with the env.
"""

from __future__ import annotations

from agent_rl.envs.search.corpus import Corpus
from agent_rl.envs.search.retriever import Retriever
from agent_rl.tools import Tool, ToolResult, ToolSet

from agent_rl.errors import InfraError

MAX_K = 10


class SearchService:
    """State of one session's searching: seen doc ids, counts, the last infrastructure error."""

    def __init__(
        self,
        retriever: Retriever,
        corpus: Corpus,
        *,
        snippet_chars: int = 240,
        doc_chars: int = 2000,
    ) -> None:
        self.retriever = retriever
        self.corpus = corpus
        self.snippet_chars = snippet_chars
        self.doc_chars = doc_chars
        self.reset()

    def reset(self) -> None:
        self.seen: dict[str, None] = {}
        self.searches = 0
        self.opens = 0

    def search(self, query: str, k: int = 3) -> ToolResult | str:
        """Search the document collection.

        Args:
            query: what to look for (names, places, years).
            k: how many results to return (1 to 10).
        """
        self.searches += 1
        k = max(1, min(int(k), MAX_K))
        try:
            hits = self.retriever.search(query, k)
        except InfraError as exc:
            return ToolResult(
                content=f"Error: the search backend failed: {exc}", infra_error=str(exc)
            )
        if not hits:
            return f"No documents found for {query!r}."
        blocks = []
        for hit in hits:
            self.seen[hit.doc_id] = None
            text = (
                hit.text
                if len(hit.text) <= self.snippet_chars
                else hit.text[: self.snippet_chars] + "..."
            )
            blocks.append(f"[{hit.doc_id}] {hit.title}\n{text}")
        return "\n\n".join(blocks)

    def open(self, doc_id: str) -> str:
        """Read one document in full.

        Args:
            doc_id: the id shown in square brackets in search results.
        """
        self.opens += 1
        doc = self.corpus.get(doc_id.strip().strip("[]"))
        if doc is None:
            raise KeyError(f"no document with id {doc_id!r}")
        self.seen[doc.id] = None
        text = doc.text if len(doc.text) <= self.doc_chars else doc.text[: self.doc_chars] + "..."
        return f"[{doc.id}] {doc.title}\n{text}"


def search_tools(service: SearchService, *, close_retriever: bool = True) -> ToolSet:
    """`search` and `open` over `service`'s bound methods; resetting the tools resets it."""
    on_close = service.retriever.close if close_retriever else None
    return ToolSet(
        [
            Tool(
                "search",
                "Search the document collection; returns ranked snippets, each with its doc id "
                "in square brackets.",
                {
                    "type": "object",
                    "properties": {
                        "query": {
                            "type": "string",
                            "description": "What to look for (names, places, years).",
                        },
                        "k": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_K,
                            "default": 3,
                            "description": "How many results.",
                        },
                    },
                    "required": ["query"],
                },
                service.search,
                on_reset=service.reset,
                on_close=on_close,
            ),
            Tool(
                "open",
                "Read one document in full by its doc id.",
                {
                    "type": "object",
                    "properties": {
                        "doc_id": {
                            "type": "string",
                            "description": "A doc id from the search results.",
                        }
                    },
                    "required": ["doc_id"],
                },
                service.open,
            ),
        ]
    )
