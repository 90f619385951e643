"""`POST /v1/ask`: a cited answer as JSON, or as Server-Sent Events (framed by api.streaming)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import EngineDep, TextLimits
from api.metrics import record_answer
from api.schemas import AnswerResponse, AskRequest
from api.streaming import ASK_RESPONSES, ask_response, wants_stream
from rag.types import Answer

router = APIRouter(prefix="/v1", dependencies=[TextLimits])


@router.post("/ask", response_model=AnswerResponse, tags=["query"], responses=ASK_RESPONSES)
def ask(req: AskRequest, engine: EngineDep, request: Request) -> dict[str, object] | Response:
    """A short answer whose every sentence cites verified spans, or an honest abstention."""
    filters = req.filters.to_engine() if req.filters else None

    def compute() -> Answer:
        answer = engine.ask(req.question, top_k=req.top_k, filters=filters, llm=req.llm)
        record_answer(request.app, answer.status)
        return answer

    if wants_stream(req.stream, request.headers.get("accept")):
        return ask_response(compute, request.url.path)  # Server-Sent Events
    return compute().to_dict()
