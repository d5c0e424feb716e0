"""A document corpus read from JSONL: one `{"id", "text", "title"?}` object a line.

Search-R1's layout `{"id", "contents"}` (the title on the first line, in double quotes) is read
too, and `Document.contents` writes it back, so the same file serves both. Every line is
checked: a missing or empty id or text, or an id seen before, is a `DataError` naming the file
and the line (for a duplicate, the line of the first one as well).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_rl.errors import DataError
from agent_rl.jsonl import iter_jsonl


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str

    @property
    def contents(self) -> str:
        """Search-R1's `contents` field: `"Title"` on the first line, then the text."""
        return f'"{self.title}"\n{self.text}' if self.title else self.text

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "text": self.text}


def split_contents(contents: str) -> tuple[str, str]:
    """(title, text) of a Search-R1 `contents` string (no quoted first line: no title)."""
    head, sep, rest = contents.partition("\n")
    if sep and len(head) >= 2 and head.startswith('"') and head.endswith('"'):
        return head[1:-1], rest
    return "", contents


def document_from_dict(
    data: dict[str, Any], *, path: str | None = None, line: int | None = None
) -> Document:
    """Check one corpus record; errors name the file, the line and the key."""
    doc_id = data.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise DataError(
            f"a document needs a non-empty string id, got {doc_id!r}",
            path=path,
            line=line,
            key="id",
        )
    title = data.get("title") or ""
    if "text" in data:
        text = data["text"]
        key = "text"
    elif "contents" in data:
        key = "contents"
        text = data["contents"]
        if isinstance(text, str) and not title:
            title, text = split_contents(text)
    else:
        raise DataError(
            "a document needs a `text` (or Search-R1 `contents`) field",
            path=path,
            line=line,
            key="text",
        )
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"expected non-empty text, got {text!r:.60}", path=path, line=line, key=key)
    if not isinstance(title, str):
        raise DataError(
            f"expected a string title, got {title!r:.60}", path=path, line=line, key="title"
        )
    return Document(id=doc_id, title=title, text=text)


class Corpus:
    """Documents by id, in file order, with a fingerprint that names the retrieval index cache."""

    def __init__(self, documents: Iterable[Document], *, path: str | None = None) -> None:
        self.path = path
        self.documents: list[Document] = []
        self._by_id: dict[str, Document] = {}
        for doc in documents:
            if doc.id in self._by_id:
                raise DataError(f"duplicate document id {doc.id!r}", path=path, key="id")
            self._by_id[doc.id] = doc
            self.documents.append(doc)

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._by_id

    def get(self, doc_id: str) -> Document | None:
        return self._by_id.get(doc_id)

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 over ids, titles and texts (not the file's bytes: formatting does not matter)."""
        h = hashlib.sha256()
        for doc in self.documents:
            for part in (doc.id, doc.title, doc.text):
                h.update(part.encode("utf-8"))
                h.update(b"\x00")
        return h.hexdigest()


def load_corpus(path: str | Path) -> Corpus:
    """Read a JSONL corpus; a bad or duplicate record is a `DataError` with file and line."""
    p = str(path)
    seen: dict[str, int] = {}
    docs: list[Document] = []
    for lineno, record in iter_jsonl(path):
        doc = document_from_dict(record, path=p, line=lineno)
        if doc.id in seen:
            raise DataError(
                f"duplicate document id {doc.id!r} (first on line {seen[doc.id]})",
                path=p,
                line=lineno,
                key="id",
            )
        seen[doc.id] = lineno
        docs.append(doc)
    if not docs:
        raise DataError("the corpus has no documents", path=p)
    return Corpus(docs, path=p)
