"""`POST /v1/briefings`: a citation-backed briefing as JSON, Markdown or a self-contained page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import EngineDep, SettingsDep
from api.errors import ApiProblem
from api.schemas import BriefingRequest, BriefingResponse
from rag import Briefing
from rag.briefing.render import RENDERERS

router = APIRouter(prefix="/v1")

MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The briefing as JSON, or as Markdown / HTML when `format` asks for it.",
        "content": {m.split(";")[0]: {"schema": {"type": "string"}} for m in MEDIA.values()},
    }
}


@router.post("/briefings", response_model=BriefingResponse, tags=["briefings"], responses=RESPONSES)
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
    page = RENDERERS[req.format](briefing, settings.api.document_base_url)
    return Response(page, media_type=MEDIA[req.format])
