"""OpenAPI extras: problem+json response objects, and patches to the generated document that
say what the middleware answers (401 with API keys on; 413, 429, 503, 504; problem+json for
422) and the length limit that `api.deps.check_text_limits` holds a question or query to.

`extend_openapi` chains a patch onto `app.openapi`; `install` adds this app's patches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.deps import LIMITED_FIELDS, check_text_limits
from api.errors import PROBLEM
from api.limits import UNLIMITED_PATHS, guarded
from api.openapi_docs import document
from api.security import is_open
from rag import Settings

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response object for a problem+json error."""
    return {"description": description, "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}}


def json_data(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for an SSE `data` field that holds JSON of `schema`."""
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}


def operations(schema: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation of an OpenAPI document."""
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, dict):
                yield path, method, op


def extend_openapi(app: FastAPI, patch: Callable[[dict[str, Any]], None]) -> None:
    """Apply `patch` once to the generated OpenAPI document (after any earlier patches)."""
    previous = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            patch(previous())
        assert app.openapi_schema is not None
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 (mypy rejects assigning to a method)


# -- API keys ------------------------------------------------------------------------------
def document_keys(schema: dict[str, Any]) -> None:
    """The security schemes, and a 401 on every operation that needs a key."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["bearer"] = {"type": "http", "scheme": "bearer"}
    schemes["apiKey"] = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    for path, _, op in operations(schema):
        if not is_open(path):
            op["security"] = [{"bearer": []}, {"apiKey": []}]
            op.setdefault("responses", {})["401"] = problem_doc("A missing or invalid API key")


# -- limits --------------------------------------------------------------------------------
def _limited_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of the operations that depend on check_text_limits."""
    found = set()
    for ctx in iter_route_contexts(app.routes):
        dependant = getattr(ctx, "dependant", None)
        calls = [d.call for d in getattr(dependant, "dependencies", [])]
        if check_text_limits in calls and ctx.path_format:
            found |= {(ctx.path_format, m.lower()) for m in ctx.methods or ()}
    return found


def _request_schema(schema: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = body.get("schema", {}).get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return None
    found: dict[str, Any] | None = schema["components"]["schemas"].get(ref.rsplit("/", 1)[1])
    return found


def document_limits(app: FastAPI, settings: Settings) -> Callable[[dict[str, Any]], None]:
    """A patch for the limits' responses and the question/query length limit."""
    limit = settings.api.max_question_chars

    def document(schema: dict[str, Any]) -> None:
        limited = _limited_operations(app)
        for path, method, op in operations(schema):
            responses = op.setdefault("responses", {})
            ref = str(responses.get("422", {}).get("content", {}).get("application/json", {}))
            if "HTTPValidationError" in ref:  # api.errors answers validation with problem+json
                responses["422"] = problem_doc("The request is not valid")
            if path not in UNLIMITED_PATHS:
                responses.setdefault("429", problem_doc("Rate limit exceeded (see Retry-After)"))
            if "requestBody" in op:
                responses.setdefault("400", problem_doc("The request body is not valid JSON"))
                responses.setdefault("413", problem_doc("The request body is too large"))
            if guarded(path):
                responses.setdefault("503", problem_doc("Too many requests in flight"))
                responses.setdefault("504", problem_doc("No response within the deadline"))
            body = _request_schema(schema, op) if (path, method) in limited else None
            for name in LIMITED_FIELDS:
                prop = (body or {}).get("properties", {}).get(name)
                if prop and prop.get("type") == "string":  # say what check_text_limits enforces
                    prop["maxLength"] = min(prop.get("maxLength", limit), limit)

    return document


def install(app: FastAPI, settings: Settings) -> None:
    """Document the limits, then (if keys are configured) the API keys, then the rest."""
    extend_openapi(app, document_limits(app, settings))
    if settings.api.api_key_hashes:
        extend_openapi(app, document_keys)
    extend_openapi(app, document)  # last: it also rewrites the OpenAI routes' errors
