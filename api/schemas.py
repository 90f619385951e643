"""Wire schemas (pydantic at the edge)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# At least one visible character: a text of only whitespace or control characters is empty
# to the engine, so the schema says so too (an ECMA regex, no \\p classes).
VISIBLE = (
    "[0-9A-Za-z!-/:-@\\[-`{-~\u00a1-\u167f\u1681-\u1fff\u200b-\u2027"
    "\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\uffff]"
)


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_ids: list[str] | None = Field(None, description="Only these documents")
    published_from: dt.date | None = Field(None, description="Published on or after")
    published_to: dt.date | None = Field(None, description="Published on or before")

    def to_engine(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(..., min_length=1, pattern=VISIBLE, description="What to look for")
    top_k: int | None = Field(None, ge=1, le=100, description="Passages to return")
    filters: SearchFilters | None = None


class SearchHitOut(BaseModel):
    rank: int
    doc_id: str
    start: int
    end: int
    text: str
    score: float
    title: str
    published: str | None


class SearchResponse(BaseModel):
    query: str
    results: list[SearchHitOut]
    query_truncated: bool = False


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(..., min_length=1, pattern=VISIBLE, description="The question")
    top_k: int | None = Field(None, ge=1, le=50)
    filters: SearchFilters | None = None
    llm: Literal["none", "local", "openai"] | None = Field(None, description="Answer phrasing")
    stream: bool = Field(False, description="Send Server-Sent Events")


class CitationOut(BaseModel):
    marker: int
    doc_id: str
    start: int
    end: int
    quote: str
    score: float


class SentenceOut(BaseModel):
    text: str
    citations: list[int]
    support: float


class ConflictOut(BaseModel):
    quantity: str
    values: list[dict[str, Any]]


class AnswerResponse(BaseModel):
    question: str
    status: Literal["answered", "partial", "unanswerable"]
    answer: str
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    conflicts: list[ConflictOut]
    timings_ms: dict[str, float]
    mode: str
    fallback_reason: str | None = None
    missing: list[str] = []


class DocumentMeta(BaseModel):
    doc_id: str
    title: str
    published: str | None
    sha256: str
    source: str
    chars: int


class DocumentOut(DocumentMeta):
    text: str


class DocumentList(BaseModel):
    documents: list[DocumentMeta]
