"""Domain errors to RFC 9457 problem+json responses, with stable `type` URIs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag import DocumentNotFound, RagError
from rag.briefing.pdf import PdfUnavailable
from rag.engine import CorpusNotAFolder
from rag.index.corpus import BadDocument, CorpusError
from rag.index.embedder import EmbeddingError
from rag.index.limits import CorpusFull, DocumentTooLarge, RepetitiveDocument
from rag.index.store import (
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    StoreUnavailable,
)
from rag.job_journal import JobInterrupted
from rag.jobs import JobConflict, QueueFull
from rag.search.filters import QueryError

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://cited-rag.dev/problems/"

# At least one visible character: a text of only whitespace or control characters is empty
# to the engine, so the wire schemas (api.schemas) say so too (an ECMA regex, no \\p classes).
VISIBLE = (
    "[0-9A-Za-z!-/:-@\\[-`{-~\u00a1-\u167f\u1681-\u1fff\u200b-\u2027"
    "\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\uffff]"
)
# What a failed check means, in words a person reads (the page shows `detail` as it is):
# (pydantic error type, pattern) -> sentence; pydantic's own message names the regex.
PLAIN_MESSAGES = {
    ("string_pattern_mismatch", VISIBLE): "must contain at least one letter or digit",
}


# The OpenAI-compatible routes answer errors as OpenAI does (openai-python raises its typed
# errors from this), with 400 for any invalid request; every other route sends problem+json.
OPENAI_PATHS = ("/v1/chat/", "/v1/models")
OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def is_openai(path: str | None) -> bool:
    return bool(path) and str(path).startswith(OPENAI_PATHS)


def openai_error(status: int, kind: str, detail: str, **extra: Any) -> dict[str, Any]:
    """OpenAI's error object: `{"error": {"message", "type", "param", "code"}}`."""
    default = "server_error" if status >= 500 else "invalid_request_error"
    return {
        "error": {
            "message": detail,
            "type": OPENAI_TYPES.get(status, default),
            "param": extra.get("param"),
            "code": extra.get("code") or kind.replace("-", "_"),
        }
    }


class ApiProblem(Exception):
    """An error raised inside the API layer with its status and stable type."""

    def __init__(
        self, status: int, kind: str, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.headers = headers or {}


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    if is_openai(instance):
        status = 400 if status == 422 else status
        return JSONResponse(openai_error(status, kind, detail, **extra), status, headers=headers)
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if k != "param" or v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


# domain exception -> (status, type, title)
MAPPING: dict[type[Exception], tuple[int, str, str]] = {
    QueryError: (422, "invalid-query", "The query cannot be searched"),
    DocumentNotFound: (404, "document-not-found", "No such document"),
    # over a limit of settings.limits: the detail names the setting
    DocumentTooLarge: (413, "document-too-large", "The document exceeds a size limit"),
    CorpusFull: (413, "corpus-full", "The index would exceed its size limit"),
    RepetitiveDocument: (422, "repetitive-document", "The document repeats one sentence"),
    BadDocument: (415, "bad-document", "The document cannot be ingested"),
    CorpusNotAFolder: (503, "corpus-not-a-folder", "The server's corpus path is not a folder"),
    CorpusError: (422, "bad-corpus", "The corpus cannot be used"),
    IndexNotFound: (503, "index-not-ready", "The index is not built yet"),
    IndexCorrupt: (503, "index-corrupt", "The index is corrupted"),
    IndexMismatch: (503, "index-mismatch", "The index was built with another model"),
    IndexBusy: (409, "index-busy", "Another ingest is running"),
    StoreUnavailable: (503, "store-unavailable", "The index store cannot be reached"),
    JobConflict: (409, "job-conflict", "Another job changes this document"),
    QueueFull: (503, "job-queue-full", "Too many jobs are waiting"),
    JobInterrupted: (503, "job-interrupted", "The server stopped before the job finished"),
    EmbeddingError: (503, "model-unavailable", "The embedding model cannot be used"),
    PdfUnavailable: (501, "pdf-unavailable", "PDF export is not installed on this server"),
    # Last: any other engine error the table does not name yet.
    RagError: (422, "engine-error", "The request cannot be served"),
}


def _plain(error: Mapping[str, Any]) -> str:
    """pydantic's message for one validation error, or the plain sentence that replaces it."""
    ctx = error.get("ctx") or {}
    key = (str(error.get("type")), str(ctx.get("pattern", "")))
    return PLAIN_MESSAGES.get(key, str(error.get("msg", "")))


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(
            exc.status, exc.kind, exc.title, exc.detail, request.url.path, headers=exc.headers
        )

    for exc_type, (status, kind, title) in MAPPING.items():

        def make(status: int = status, kind: str = kind, title: str = title) -> Any:
            async def handler(request: Request, exc: Exception) -> JSONResponse:
                return problem(status, kind, title, str(exc), request.url.path)

            return handler

        app.add_exception_handler(exc_type, make())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": _plain(e), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        if first.get("type") == "json_invalid":  # not a body with a bad field: no body at all
            return problem(
                400,
                "invalid-json",
                "The request body is not valid JSON",
                f"the body is not valid JSON: {first['msg']}",
                request.url.path,
            )
        where = ".".join(str(x) for x in first["loc"] if x != "body")
        return problem(
            422,
            "validation-error",
            "The request is not valid",
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            request.url.path,
            errors=errors,
            param=where or None,  # OpenAI's field; problem+json leaves it out
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
        return problem(
            exc.status_code,
            kinds.get(exc.status_code, f"http-{exc.status_code}"),
            str(exc.detail) if exc.status_code != 404 else "Not found",
            str(exc.detail),
            request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        detail = "an unexpected error occurred"
        # Starlette re-raises after sending this and uvicorn then drops the connection: say
        # so, or a client reuses the pooled connection and its next request gets ECONNRESET.
        headers = {"Connection": "close"}
        return problem(500, "internal-error", "Internal error", detail, request.url.path, headers)
