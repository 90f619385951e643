"""`POST /v1/briefings`: a citation-backed briefing as JSON, Markdown or a self-contained page."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import EngineDep, SettingsDep
from api.errors import ApiProblem
from api.schemas import VISIBLE, CitationOut, ConflictOut, SearchFilters, SentenceOut
from rag.briefing.briefer import MAX_SENTENCES_LIMIT
from rag.briefing.render import RENDERERS
from rag.briefing.types import Briefing

router = APIRouter(prefix="/v1")

MAX_TOPIC_CHARS = 1000  # settings.api.max_question_chars applies too
MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


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
    format: Literal["json", "md", "html"] = Field("json", description="Response format")


class BriefingSentenceOut(SentenceOut):
    part: str


class SummaryOut(BaseModel):
    text: str
    sentences: list[SentenceOut]


class SectionOut(BaseModel):
    key: str
    heading: str
    text: str
    mode: str
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
    markers: list[int]
    spans: list[ReferenceSpanOut]


class BriefingResponse(BaseModel):
    topic: str
    title: str
    status: Literal["briefed", "not_covered"]
    summary: SummaryOut
    sections: list[SectionOut]
    timeline: list[TimelineEntryOut]
    key_figures: list[KeyFigureOut]
    conflicts: list[ConflictOut]
    sentences: list[BriefingSentenceOut]
    citations: list[CitationOut]
    references: list[ReferenceOut]
    max_sentences: int
    filters: dict[str, Any]
    mode: str
    fallback_reason: str | None = None
    missing: list[str] = []
    timings_ms: dict[str, float]


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The briefing as JSON, or as Markdown / HTML when `format` asks for it.",
        "content": {m.split(";")[0]: {"schema": {"type": "string"}} for m in MEDIA.values()},
    }
}


@router.post("/briefings", response_model=BriefingResponse, tags=["query"], responses=RESPONSES)
def create_briefing(
    req: BriefingRequest, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any] | Response:
    """A structured, short briefing whose every sentence cites verified spans."""
    limit = settings.api.max_question_chars
    if len(req.topic) > limit:
        raise ApiProblem(
            422, "text-too-long", "The text is too long", f"topic is longer than {limit} characters"
        )
    filters = req.filters.to_engine() if req.filters else None
    briefing: Briefing = engine.brief(
        req.topic, max_sentences=req.max_sentences, filters=filters, llm=req.llm
    )
    if req.format == "json":
        return briefing.to_dict()
    return Response(RENDERERS[req.format](briefing), media_type=MEDIA[req.format])
