"""`POST /v1/search`: hybrid search; every result's text is exactly document_text[start:end]."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import EngineDep, TextLimits
from api.encode import json_response
from api.schemas import SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", dependencies=[TextLimits])


@router.post("/search", response_model=SearchResponse, tags=["search"])
def search(req: SearchRequest, engine: EngineDep) -> Response:
    """Hybrid search; every result's text is exactly document_text[start:end]."""
    filters = req.filters.to_engine() if req.filters else None
    result = engine.search(req.query, top_k=req.top_k, filters=filters)
    return json_response(result.to_dict(), SearchResponse)  # encoded here: see api.encode
