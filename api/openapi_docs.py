"""OpenAPI for people who integrate: one tag per resource, an example request for every
operation that takes input, a description on every response field, and OpenAI's error
envelope (not problem+json) declared on the OpenAI-compatible routes.

Field descriptions written on the pydantic models win; this table fills the ones they lack.
"""

from __future__ import annotations

from typing import Any

from api.errors import PROBLEM, is_openai

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch"})

TAGS = [
    {"name": "search", "description": "Hybrid passage search with exact offsets"},
    {"name": "ask", "description": "Answers whose every sentence cites checked spans"},
    {"name": "briefings", "description": "Citation-backed briefings on a topic"},
    {"name": "documents", "description": "The corpus: list, read, upload, replace, delete"},
    {"name": "jobs", "description": "The state of an upload, replacement or delete"},
    {"name": "chat", "description": "OpenAI-compatible chat completions (OpenAI's errors)"},
    {"name": "models", "description": "OpenAI-compatible model list: the answer modes"},
    {"name": "health", "description": "Liveness and readiness"},
]
ANT = "000_341026f71ce0a6ab"
WHY = "Why was the Ant IPO suspended?"
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/search"): {"query": "why was the Ant IPO suspended?", "top_k": 3},
    ("post", "/v1/ask"): {"question": WHY, "top_k": 5, "filters": {"doc_ids": [ANT]}},
    ("post", "/v1/followup"): {"questions": [WHY, "and why did it withdraw its deposit products?"]},
    ("post", "/v1/briefings"): {
        "topic": "the regulatory crackdown on Ant Group",
        "format": "md",
        "max_sentences": 8,
    },
    ("post", "/v1/chat/completions"): {
        "model": "cited-rag",
        "messages": [{"role": "user", "content": WHY}],
        "max_tokens": 200,
    },
}
PARAMETERS = {"doc_id": ANT, "model_id": "cited-rag", "job_id": "5f0c2b9e4d3a4e1f8c7b6a5d4e3f2a1b"}

_SPAN = {
    "doc_id": "The document (its file name stem)",
    "start": "Start offset into the document's text",
    "end": "End offset (exclusive): text[start:end] is the quote",
}
_SENTENCE = {
    "text": "The sentence",
    "citations": "Markers of the citations that support it",
    "support": "The verifier's support score (0-1)",
}
_META = {
    "doc_id": "The document id (its file name stem)",
    "title": "The document's title (see the README: how it is found)",
    "published": "Publication date, YYYY-MM-DD, or null if undated",
    "sha256": "sha256 of the file's bytes",
    "source": "The file name in the corpus",
    "chars": "Length of the document's text",
    "url": "Where the article was published, if known",
}
_INGEST = {
    "added": "Documents new to the index",
    "changed": "Documents whose content changed",
    "removed": "Documents no longer in the corpus",
    "unchanged": "Documents reused as they were",
    "skipped": "Files that could not be read, with why",
    "passages": "Passages in the new index",
    "embedded_passages": "Passages embedded by this ingest",
    "seconds": "How long the ingest took",
    "version": "The index version now served",
    "rebuilt": "Whether the index was rebuilt from scratch",
}
_ANSWER = {
    "question": "The question as answered",
    "status": "answered, partial (see missing) or unanswerable",
    "answer": "The answer text with [n] markers",
    "sentences": "The verified sentences",
    "citations": "The citations, by marker",
    "conflicts": "Figures the sources disagree on",
    "timings_ms": "Milliseconds per stage",
    "mode": "Who phrased it: extractive or an LLM",
    "fallback_reason": "Why the LLM's answer was not used, if so",
    "missing": "Parts of the question the corpus does not cover",
}
FIELD_DOCS: dict[str, dict[str, str]] = {
    "JobOut": {
        "id": "The job id",
        "kind": "add, replace or delete",
        "doc_id": "The document it changes",
        "state": "queued, running, done or failed",
        "created": "When it was accepted (UTC)",
        "started": "When it started running, or null",
        "finished": "When it ended, or null",
    },
    "JobProblem": {
        "type": "The problem type URI",
        "title": "A short summary",
        "status": "The HTTP status the request would have had",
        "detail": "What went wrong",
        "instance": "The request path",
    },
    "CitationOut": {
        "marker": "The [n] in the text",
        **_SPAN,
        "quote": "The document's text[start:end]",
        "score": "Retrieval score of the quoted sentence",
    },
    "SentenceOut": _SENTENCE,
    "BriefingSentenceOut": _SENTENCE | {"part": "The briefing part it belongs to"},
    "SearchHitOut": {
        "rank": "1-based rank",
        **_SPAN,
        "text": "The passage: the document's text[start:end]",
        "score": "Fused relevance score",
        "title": "The document's title",
        "published": "The document's publication date, or null",
    },
    "SearchResponse": {
        "query": "The query as searched",
        "results": "The passages, best first",
        "query_truncated": "The query was cut to the model's input limit",
    },
    "AnswerResponse": _ANSWER,
    "DocumentMeta": _META,
    "DocumentOut": _META | {"text": "The document's text; every offset indexes into it"},
    "DocumentList": {"documents": "Every indexed document, by doc_id"},
    "SkippedFile": {"file": "The file", "reason": "Why it was skipped"},
    "IngestCounts": _INGEST,
    "UploadResult": {"document": "The stored document", "ingest": "What the ingest did"},
    "DeleteResult": {"doc_id": "The removed document", "ingest": "What the ingest did"},
    "SummaryOut": {"text": "The summary with [n] markers", "sentences": "Its sentences"},
    "SectionOut": {
        "key": "A stable section key",
        "heading": "The section heading",
        "text": "The section text with [n] markers",
        "mode": "Who phrased it",
        "sentences": "Its sentences",
    },
    "TimelineEntryOut": _SENTENCE
    | {
        "display": "The date as shown",
        "precision": "day, month, week, year ...",
        "approximate": "The date is approximate",
        "resolved": "A relative date was resolved against the article's date",
        "basis": "What the date was resolved from",
        "as_written": "The date as the article writes it",
        "doc_ids": "Documents of the entry",
    },
    "FigureValueOut": _SENTENCE
    | {
        "value": "The figure as stated",
        "fact": "What it measures",
        "doc_id": "The document that states it",
    },
    "KeyFigureOut": {
        "quantity": "What is measured",
        "disputed": "The sources disagree",
        "values": "Each value with its source",
        "note": "The sentence that says they differ, if disputed",
    },
    "ReferenceSpanOut": {
        "marker": "The [n] of the span",
        "start": "Start offset",
        "end": "End offset (exclusive)",
        "quote": "The document's text[start:end]",
        "link": "The span in the web page's document view",
    },
    "ReferenceOut": {
        "doc_id": "The document",
        "title": "Its title",
        "published": "Its publication date, or null",
        "url": "Where it was published, if known",
        "markers": "The markers citing it",
        "spans": "The cited spans",
    },
    "BriefingResponse": {
        "topic": "The topic as asked",
        "title": "The briefing's title",
        "status": "briefed or not_covered",
        "summary": "The summary",
        "sections": "The sections with evidence",
        "timeline": "Dated events, in order",
        "key_figures": "Figures and their sources",
        "conflicts": "Figures the sources disagree on",
        "sentences": "Every sentence, with its part",
        "citations": "The citations, by marker",
        "references": "The cited documents and spans",
        "max_sentences": "The prose budget used",
        "filters": "The filters applied",
        "mode": "Who phrased it",
        "fallback_reason": "Why the LLM was not used, if so",
        "missing": "Parts of the topic not covered",
        "timings_ms": "Milliseconds per stage",
    },
}


def _fill_fields(schema: dict[str, Any]) -> None:
    for name, props in FIELD_DOCS.items():
        found = schema.get("components", {}).get("schemas", {}).get(name, {})
        for field, text in props.items():
            prop = found.get("properties", {}).get(field)
            if prop is not None:
                prop.setdefault("description", text)


def _examples(path: str, method: str, op: dict[str, Any]) -> None:
    body = BODIES.get((method, path))
    media = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and media is not None:
        media["examples"] = {"example": {"summary": "A typical request", "value": body}}
    upload = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
    if upload is not None:
        upload.setdefault("encoding", {}).setdefault("file", {"contentType": "text/plain"})
        value = {"file": "my-article.txt (the file's bytes)"}
        upload["examples"] = {"example": {"summary": "Upload one article", "value": value}}
    for param in op.get("parameters", []):
        if param.get("name") in PARAMETERS:
            param["example"] = PARAMETERS[param["name"]]


def _openai_errors(op: dict[str, Any]) -> None:
    """On the OpenAI routes a bad request is a 400 and every error OpenAI's envelope."""
    responses = op.get("responses", {})
    responses.pop("422", None)
    ref = {"schema": {"$ref": "#/components/schemas/OpenAIError"}}
    for code, response in responses.items():
        if PROBLEM in response.get("content", {}) or (code != "200" and code[0] in "45"):
            response["content"] = {"application/json": ref}


def document(schema: dict[str, Any]) -> None:
    """The patch: tags, examples, field descriptions, OpenAI errors."""
    schema["tags"] = TAGS
    ops = [(p, m, op) for p, item in schema["paths"].items() for m, op in item.items()]
    for path, method, op in ops:
        if method not in HTTP_METHODS:
            continue
        _examples(path, method, op)
        if is_openai(path):
            _openai_errors(op)
    _fill_fields(schema)
