"""HTTP routes: plain functions over the Engine."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import EngineDep
from api.schemas import (
    AnswerResponse,
    AskRequest,
    DocumentList,
    DocumentMeta,
    DocumentOut,
    SearchRequest,
    SearchResponse,
)

router = APIRouter(prefix="/v1")


@router.post("/search", response_model=SearchResponse, tags=["query"])
def search(req: SearchRequest, engine: EngineDep) -> dict[str, object]:
    """Hybrid search; every result's text is exactly document_text[start:end]."""
    filters = req.filters.to_engine() if req.filters else None
    return engine.search(req.query, top_k=req.top_k, filters=filters).to_dict()


@router.post("/ask", response_model=AnswerResponse, tags=["query"])
def ask(req: AskRequest, engine: EngineDep) -> dict[str, object]:
    """A short answer whose every sentence cites verified spans, or an honest abstention."""
    filters = req.filters.to_engine() if req.filters else None
    return engine.ask(req.question, top_k=req.top_k, filters=filters, llm=req.llm).to_dict()


@router.get("/documents", response_model=DocumentList, tags=["documents"])
def list_documents(engine: EngineDep) -> dict[str, object]:
    """All indexed documents with their metadata."""
    return {"documents": [d.meta() for d in engine.documents()]}


@router.get("/documents/{doc_id}", response_model=DocumentOut, tags=["documents"])
def get_document(doc_id: str, engine: EngineDep) -> dict[str, object]:
    """One document with its full text (citation offsets index into `text`)."""
    d = engine.document(doc_id)
    return {**d.meta(), "text": d.text}


__all__ = ["DocumentMeta", "router"]
