"""Wire schemas (pydantic at the edge): the request and response bodies of every route."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.errors import VISIBLE
from rag.briefing.briefer import MAX_SENTENCES_LIMIT

MAX_TOPIC_CHARS = 1000  # a briefing's topic; settings.api.max_question_chars applies too


def _not_text(value: Any) -> Any:
    """JSON's integers, 3 or 3.0, but never "3" or true: a number is not coerced from text."""
    if isinstance(value, str | bool):
        raise ValueError("must be a number, not text or true/false")
    return value


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_ids: list[str] | None = Field(None, description="Only these documents")
    published_from: dt.date | None = Field(None, description="Published on or after")
    published_to: dt.date | None = Field(None, description="Published on or before")

    def to_engine(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


# -- search and ask (api.routes.search, api.routes.ask) ------------------------------------
class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(..., min_length=1, pattern=VISIBLE, description="What to look for")
    top_k: int | None = Field(None, ge=1, le=100, description="Passages to return")
    filters: SearchFilters | None = None

    _top_k_is_a_number = field_validator("top_k", mode="before")(_not_text)


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
    stream: StrictBool = Field(False, description="Send Server-Sent Events")
    return_retrieved: StrictBool = Field(
        False, description="Also return the passages this answer was drawn from (`retrieved`)"
    )
    explain: StrictBool = Field(
        False, description="Add `explain`: the parsed focus, best sentence per verdict, signals"
    )

    _top_k_is_a_number = field_validator("top_k", mode="before")(_not_text)


class CitationOut(BaseModel):
    marker: int
    doc_id: str
    start: int
    end: int
    quote: str
    score: float
    trust: Literal["trusted", "upload", "untrusted"] = Field(
        "trusted", description="the cited document's trust level: an upload is labelled"
    )


class SentenceOut(BaseModel):
    text: str
    citations: list[int]
    support: float


Mode = Literal["extractive", "llm:local", "llm:openai"]


class ConflictValueOut(BaseModel):
    value: str = Field(description="The figure as the source states it, e.g. $34.5 billion")
    doc_id: str = Field(description="The document that states it")
    citations: list[int] = Field(description="Markers of the citations that quote it")


class ConflictOut(BaseModel):
    quantity: str = Field(description="What the disputed figures measure, e.g. IPO size")
    values: list[ConflictValueOut] = Field(description="Each value with its source")


class AnswerResponse(BaseModel):
    question: str
    status: Literal["answered", "partial", "unanswerable"]
    answer: str
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    conflicts: list[ConflictOut]
    timings_ms: dict[str, float]
    mode: Mode
    fallback_reason: str | None = None
    missing: list[str] = []
    retrieved: list[SearchHitOut] | None = Field(
        None, description="With `return_retrieved`: the passages retrieved for this answer"
    )
    explain: dict[str, Any] | None = Field(
        None,
        description="With `explain`: the parsed focus and answer type, the best sentence per "
        "verdict and the signals behind the decision",
    )


# -- documents (api.routes.documents) ------------------------------------------------------
class DocumentMeta(BaseModel):
    doc_id: str
    title: str
    published: str | None
    sha256: str
    source: str
    chars: int
    trust: Literal["trusted", "upload", "untrusted"] = Field(
        "trusted", description="trusted (the operator's corpus), upload, or untrusted"
    )
    url: str | None = None
    passages: int | None = Field(None, description="passages in the index (in the list only)")


class DocumentOut(DocumentMeta):
    text: str


class DocumentList(BaseModel):
    documents: list[DocumentMeta]


class SkippedFile(BaseModel):
    file: str
    reason: str


class IngestCounts(BaseModel):
    added: int
    changed: int
    removed: int
    unchanged: int
    skipped: list[SkippedFile]
    passages: int
    embedded_passages: int
    seconds: float
    version: str | None
    rebuilt: bool


class UploadResult(BaseModel):
    document: DocumentMeta
    ingest: IngestCounts


class DeleteResult(BaseModel):
    doc_id: str
    ingest: IngestCounts


class JobProblem(BaseModel):
    """Why a job failed: the problem+json object the request would have answered."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


class JobOut(BaseModel):
    """An upload, replacement or delete running in the background (api.routes.jobs)."""

    id: str
    kind: Literal["add", "replace", "delete"]
    doc_id: str
    state: Literal["queued", "running", "done", "failed"]
    queue_position: int = Field(description="Queued jobs that run before this one")
    created: dt.datetime
    started: dt.datetime | None
    finished: dt.datetime | None
    location: str = Field(description="Where to poll this job: /v1/jobs/{id}")
    result: UploadResult | DeleteResult | None = Field(None, description="When done")
    error: JobProblem | None = Field(None, description="When failed")


# -- briefings (api.routes.briefings) ------------------------------------------------------
class BriefingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(
        ...,
        min_length=1,
        max_length=MAX_TOPIC_CHARS,
        pattern=VISIBLE,
        description="What to brief on",
    )
    max_sentences: int | None = Field(
        None, ge=1, le=MAX_SENTENCES_LIMIT, description="Sentences of prose (summary + sections)"
    )
    filters: SearchFilters | None = Field(None, description="Documents to use")
    llm: Literal["none", "local", "openai"] | None = Field(None, description="Section phrasing")
    format: Literal["json", "md", "html", "pdf"] = Field(
        "json",
        description="Response format; when not given, an Accept header of text/markdown, "
        "text/html or application/pdf chooses it",
    )

    _max_sentences_is_a_number = field_validator("max_sentences", mode="before")(_not_text)


class BriefingSentenceOut(SentenceOut):
    part: str


class SummaryOut(BaseModel):
    text: str
    sentences: list[SentenceOut]


class SectionOut(BaseModel):
    key: str
    heading: str
    text: str
    mode: Mode
    sentences: list[SentenceOut]


class TimelineEntryOut(SentenceOut):
    date: str | None = Field(description="ISO date, month (2020-11), week, or --MM-DD if no year")
    display: str
    precision: str
    approximate: bool
    resolved: bool
    basis: str
    as_written: str
    doc_ids: list[str]


class FigureValueOut(SentenceOut):
    value: str
    fact: str
    doc_id: str


class KeyFigureOut(BaseModel):
    quantity: str
    disputed: bool
    values: list[FigureValueOut]
    note: SentenceOut | None = None


class ReferenceSpanOut(BaseModel):
    marker: int
    start: int
    end: int
    quote: str
    link: str


class ReferenceOut(BaseModel):
    doc_id: str
    title: str
    published: str | None
    url: str | None = None
    markers: list[int]
    spans: list[ReferenceSpanOut]


class ScopeOut(BaseModel):
    sources: int = Field(..., description="Documents the briefing cites")
    first_published: str | None = Field(..., description="Earliest publication date cited")
    last_published: str | None = Field(..., description="Latest publication date cited")
    undated_sources: int = Field(..., description="Cited documents without a publication date")


class BriefingResponse(BaseModel):
    topic: str
    title: str
    status: Literal["briefed", "not_covered"]
    generated_at: str = Field(..., description="When it was generated (ISO 8601, UTC)")
    scope: ScopeOut = Field(..., description="What it drew on: cited sources and their dates")
    summary: SummaryOut
    sections: list[SectionOut]
    timeline: list[TimelineEntryOut]
    undated: list[TimelineEntryOut] = Field(
        [], description="Events whose date has no known year, kept out of the timeline"
    )
    key_figures: list[KeyFigureOut]
    conflicts: list[ConflictOut]
    sentences: list[BriefingSentenceOut]
    citations: list[CitationOut]
    references: list[ReferenceOut]
    max_sentences: int
    filters: dict[str, Any]
    mode: Mode
    fallback_reason: str | None = None
    missing: list[str] = []
    timings_ms: dict[str, float]


# -- OpenAI-compatible chat (api.routes.chat) ----------------------------------------------
class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"] = Field(
        ..., description="Who wrote the message"
    )
    content: str | list[dict[str, Any]] | None = Field(None, description="Text or content parts")

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's request body; sampling parameters are accepted and ignored (answers are cited
    extracts or verified LLM sentences, not samples)."""

    model_config = ConfigDict(extra="allow")
    model: str = Field("cited-rag", description="cited-rag, cited-rag-llm-local, -llm-openai")
    messages: list[ChatMessage] = Field(
        ...,
        min_length=1,
        description="The conversation; the last user message is the question",
        # The route needs one user message with text; say so in the schema too.
        json_schema_extra={
            "contains": {
                "type": "object",
                "properties": {
                    "role": {"const": "user"},
                    "content": {"type": "string", "minLength": 1, "pattern": VISIBLE},
                },
                "required": ["role", "content"],
            }
        },
    )
    stream: StrictBool = Field(False, description="Send chat.completion.chunk events")
    stream_options: dict[str, Any] | None = Field(
        None, description='{"include_usage": true} adds a last chunk with usage'
    )
    top_k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve")
    filters: SearchFilters | None = Field(None, description="Documents to use")
    max_tokens: int | None = Field(
        None, ge=1, description="Content tokens at most (finish_reason length when cut)"
    )
    max_completion_tokens: int | None = Field(None, ge=1, description="The same as max_tokens")
    n: int | None = Field(
        None,
        ge=1,
        description="Choices: only 1 (a cited answer is not sampled)",
        json_schema_extra={"maximum": 1},  # documented; n > 1 gets the route's own 400 message
    )

    _top_k_is_a_number = field_validator(
        "top_k", "max_tokens", "max_completion_tokens", "n", mode="before"
    )(_not_text)
