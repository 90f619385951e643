"""`POST /v1/ask`: a cited answer as JSON, or as Server-Sent Events.

api.streaming frames the events; ASK_RESPONSES documents them in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import EngineDep, TextLimits
from api.encode import json_response
from api.metrics import record_answer
from api.openapi import json_data
from api.schemas import AnswerResponse, AskRequest
from api.streaming import SSE, ask_response, wants_stream
from rag import Answer

router = APIRouter(prefix="/v1", dependencies=[TextLimits])

_ERROR_DATA: dict[str, Any] = {  # an `error` event's problem+json object
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}


def _event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {"event": {"const": name}, "data": json_data(data)},
    }


_CITATION = {"$ref": "#/components/schemas/CitationOut"}
# Open API 3.1 reading: the `schema` of text/event-stream describes one event.
ASK_EVENT_SCHEMA: dict[str, Any] = {
    "oneOf": [
        _event(
            "retrieval",
            {
                "type": "object",
                "required": ["results"],
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/SearchHitOut"},
                    }
                },
            },
        ),
        _event(
            "sentence",
            {
                "type": "object",
                "required": ["index", "text", "marked", "support", "citations"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "text": {"type": "string"},
                    "marked": {"type": "string"},
                    "support": {"type": "number"},
                    "citations": {"type": "array", "items": _CITATION},
                },
            },
        ),
        _event("done", {"$ref": "#/components/schemas/AnswerResponse"}),
        _event("error", _ERROR_DATA),
    ]
}
ASK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer as JSON, or as Server-Sent Events when the body has "
        '`"stream": true` or the request sends `Accept: text/event-stream`: `retrieval` '
        "(the search hits), one `sentence` per verified sentence with its citations, then "
        "`done` (the whole answer) or `error` (a problem+json object).",
        "content": {SSE: {"schema": ASK_EVENT_SCHEMA}},
    }
}


@router.post("/ask", response_model=AnswerResponse, tags=["ask"], responses=ASK_RESPONSES)
def ask(req: AskRequest, engine: EngineDep, request: Request) -> Response:
    """A short answer whose every sentence cites verified spans, or an honest abstention."""
    filters = req.filters.to_engine() if req.filters else None

    def compute() -> Answer:
        answer = engine.ask(
            req.question, top_k=req.top_k, filters=filters, llm=req.llm, explain=req.explain
        )
        record_answer(request.app, answer.status)
        return answer

    if wants_stream(req.stream, request.headers.get("accept")):
        return ask_response(compute, request.url.path)  # Server-Sent Events
    answer = compute()
    body = answer.to_dict()
    if req.return_retrieved:  # the same request's passages: every citation lies inside one
        body["retrieved"] = [h.to_dict() for h in answer.retrieved]
    # encoded here: see api.encode
    return json_response(body, AnswerResponse, only_if_set=frozenset({"retrieved"}))
