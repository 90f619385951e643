"""`POST /v1/briefings`: a citation-backed briefing as JSON, Markdown, a self-contained page or
a PDF. The body's `format` chooses; without one, the Accept header does (`application/pdf`,
`text/html`, `text/markdown`), and anything else gets JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import EngineDep, SettingsDep, check_length
from api.schemas import BriefingRequest, BriefingResponse
from rag import Briefing
from rag.briefing.pdf import to_pdf
from rag.briefing.render import RENDERERS

router = APIRouter(prefix="/v1")

MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
BY_MEDIA = {m.split(";")[0]: f for f, m in MEDIA.items()}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The briefing as JSON, or as Markdown / HTML / PDF when `format` or the "
        "Accept header asks for it.",
        "content": {
            **{m.split(";")[0]: {"schema": {"type": "string"}} for m in MEDIA.values()},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    501: {"description": "PDF asked for, but PDF export is not installed on this server"},
}


def chosen_format(req: BriefingRequest, accept: str) -> str:
    """The body's `format` when given, else the first of Accept's types that we render."""
    if "format" in req.model_fields_set:
        return req.format
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in BY_MEDIA:
            return BY_MEDIA[media]
    return "json"


@router.post("/briefings", response_model=BriefingResponse, tags=["briefings"], responses=RESPONSES)
def create_briefing(
    req: BriefingRequest, request: Request, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any] | Response:
    """A structured, short briefing whose every sentence cites verified spans."""
    check_length("topic", req.topic, settings.api.max_question_chars)
    fmt = chosen_format(req, request.headers.get("accept", ""))
    filters = req.filters.to_engine() if req.filters else None
    briefing: Briefing = engine.brief(
        req.topic, max_sentences=req.max_sentences, filters=filters, llm=req.llm
    )
    base = settings.api.document_base_url
    if fmt == "json":
        return briefing.to_dict()
    if fmt == "pdf":
        name = "briefing.pdf"
        headers = {"Content-Disposition": f'inline; filename="{name}"'}
        return Response(to_pdf(briefing, base), media_type=MEDIA["pdf"], headers=headers)
    return Response(RENDERERS[fmt](briefing, base), media_type=MEDIA[fmt])
