"""Domain types. Frozen dataclasses; offsets are Python string indices into Document.text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str  # file stem
    text: str  # text as decoded (txt/md) or extracted (html); offsets refer to it
    title: str
    published: str | None  # ISO date from a leading " date YYYY-MM-DD " line
    sha256: str  # of the file's bytes
    source: str  # file name
    body_start: int = 0  # first offset after the date line or the front matter
    trust: str = "trusted"  # "trusted" | "upload" | "untrusted" (rag.index.trust)
    url: str | None = None  # where the article was published (front matter or upload field)

    def meta(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "published": self.published,
            "sha256": self.sha256,
            "source": self.source,
            "chars": len(self.text),
            "trust": self.trust,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int  # exclusive


@dataclass(frozen=True, slots=True)
class Passage:
    doc_id: str
    start: int
    end: int  # invariant: document.text[start:end] == text
    text: str


@dataclass(frozen=True, slots=True)
class SentenceRef:
    """A sentence of a document, as stored in the index (with its vector row)."""

    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    rank: int
    doc_id: str
    start: int
    end: int
    text: str
    score: float
    title: str = ""
    published: str | None = None
    passage_id: int = -1

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("passage_id")
        return d


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    results: list[SearchHit]
    truncated: bool = False
    stages: dict[str, list[int]] = field(default_factory=dict)  # passage ids per stage

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "results": [h.to_dict() for h in self.results]}
        if self.truncated:
            out["query_truncated"] = True
        return out


Status = Literal["answered", "partial", "unanswerable"]


@dataclass(frozen=True, slots=True)
class Citation:
    marker: int
    doc_id: str
    start: int
    end: int
    quote: str
    score: float
    trust: str = "trusted"  # of the cited document: "trusted", "upload" (rag.index.trust)


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    text: str
    citations: list[int]
    support: float


@dataclass(frozen=True, slots=True)
class Conflict:
    quantity: str
    values: list[dict[str, Any]]  # {"value": "$34.5 billion", "citations": [2]}


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    status: Status
    answer: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    conflicts: list[Conflict]
    timings_ms: dict[str, float]
    mode: str = "extractive"
    fallback_reason: str | None = None
    missing: list[str] = field(default_factory=list)
    retrieved: list[SearchHit] = field(default_factory=list)
    explain: dict[str, Any] | None = None  # why it answered or refused, when asked

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "status": self.status,
            "answer": self.answer,
            "sentences": [asdict(s) for s in self.sentences],
            "citations": [asdict(c) for c in self.citations],
            "conflicts": [asdict(c) for c in self.conflicts],
            "timings_ms": self.timings_ms,
            "mode": self.mode,
            "fallback_reason": self.fallback_reason,
            "missing": self.missing,
            "explain": self.explain,  # None unless asked for
        }
