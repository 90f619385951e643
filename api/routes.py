"""HTTP routes: plain functions over the Engine."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import EngineDep
from api.metrics import record_answer
from api.openapi import problem_doc
from api.schemas import (
    AnswerResponse,
    AskRequest,
    DocumentList,
    DocumentMeta,
    DocumentOut,
    SearchRequest,
    SearchResponse,
)
from api.streaming import ASK_RESPONSES, ask_response, wants_stream
from rag.types import Answer

router = APIRouter(prefix="/v1")


@router.post("/search", response_model=SearchResponse, tags=["query"])
def search(req: SearchRequest, engine: EngineDep) -> dict[str, object]:
    """Hybrid search; every result's text is exactly document_text[start:end]."""
    filters = req.filters.to_engine() if req.filters else None
    return engine.search(req.query, top_k=req.top_k, filters=filters).to_dict()


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


@router.get("/documents", response_model=DocumentList, tags=["documents"])
def list_documents(engine: EngineDep) -> dict[str, object]:
    """All indexed documents with their metadata."""
    return {"documents": [d.meta() for d in engine.documents()]}


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut,
    tags=["documents"],
    responses={404: problem_doc("No such document")},
)
def get_document(doc_id: str, engine: EngineDep) -> dict[str, object]:
    """One document with its full text (citation offsets index into `text`)."""
    d = engine.document(doc_id)
    return {**d.meta(), "text": d.text}


__all__ = ["DocumentMeta", "router"]
