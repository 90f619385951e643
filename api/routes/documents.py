"""`/v1/documents`: list, read, add, replace and remove documents.

`GET /v1/documents` lists the indexed documents, `GET /v1/documents/{doc_id}` returns one with
its text. `POST /v1/documents` (multipart, field `file`) adds a .txt/.md/.html file,
`PUT /v1/documents/{doc_id}` replaces one, `DELETE /v1/documents/{doc_id}` removes one: each
is checked here, then runs as a job (api.routes.jobs) and answers 202 at once. The Engine
swaps the index atomically, so searches keep working while a job runs, and a failed ingest
leaves nothing behind. Uploads are checked by content, not by the declared content type.
"""

from __future__ import annotations

import hashlib
import uuid
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from api.deps import EngineDep, SettingsDep
from api.errors import ApiProblem
from api.openapi import problem_doc
from api.routes.jobs import job_response, prefer_wait
from api.schemas import DocumentList, DocumentOut, JobOut
from api.security import client_id
from rag import Settings
from rag.engine import corpus_folder
from rag.index import frontmatter
from rag.index.corpus import DOC_ID, SUFFIXES
from rag.index.ingest import IngestReport

router = APIRouter(prefix="/v1", tags=["documents"])

UploadTrust = Literal["upload", "untrusted"]
TRUST_HELP = (
    "`upload` (default): answers lead with trusted corpus evidence when it qualifies; "
    "`untrusted`: searchable, never quoted in answers or briefings"
)
ALLOWED_CONTROL = frozenset("\t\n\r\f\v")
MAX_CONTROL_SHARE = 0.01  # more other control characters than this and it is not text


def _bad_name(detail: str) -> ApiProblem:
    return ApiProblem(422, "bad-file-name", "The file name cannot be a doc_id", detail)


def _not_text(detail: str) -> ApiProblem:
    return ApiProblem(415, "unsupported-media-type", "The file is not a text document", detail)


def check_filename(filename: str | None) -> str:
    """The upload's file name if it is a plain, supported name; else 422 (or 415 for the type)."""
    if not filename:
        raise _bad_name("the upload has no file name")
    if "/" in filename or "\\" in filename or "\x00" in filename:
        raise _bad_name(f"file name {filename!r} must not contain path separators")
    if filename.startswith(".") or ".." in filename:
        raise _bad_name(f"file name {filename!r} must not start with '.' or contain '..'")
    path = PurePosixPath(filename)
    if path.suffix.lower() not in SUFFIXES:
        raise _not_text(
            f"unsupported file type {path.suffix or '(none)'!r}: use one of {', '.join(SUFFIXES)}"
        )
    if not DOC_ID.match(path.stem):
        raise _bad_name(
            f"file name {filename!r} does not give a valid doc_id: use letters, digits, '.', '_' "
            "or '-' (at most 128), starting with a letter or digit"
        )
    return filename


class _TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1


def check_content(filename: str, data: bytes) -> None:
    """415 unless `data` is UTF-8 text (and, for .html, real HTML); 422 if it is empty."""
    if not data.strip():
        raise ApiProblem(422, "empty-document", "The file is empty", f"{filename} has no text")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _not_text(f"{filename} is binary (NUL byte at offset {nul})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_text(
            f"{filename} is not UTF-8 text (invalid byte at offset {exc.start})"
        ) from exc
    controls = sum(1 for ch in text if ch < " " and ch not in ALLOWED_CONTROL)
    if controls > MAX_CONTROL_SHARE * len(text):
        raise _not_text(f"{filename} looks binary ({controls} control characters)")
    if PurePosixPath(filename).suffix.lower() in (".html", ".htm"):
        parser = _TagCounter()
        parser.feed(text)
        parser.close()
        if parser.tags == 0:
            raise _not_text(f"{filename} is named HTML but contains no HTML tags")


def ingest_counts(report: IngestReport) -> dict[str, Any]:
    """The report without server paths (skipped files by name only)."""
    counts = report.to_dict()
    counts["skipped"] = [
        {"file": PurePosixPath(str(s["file"]).replace("\\", "/")).name, "reason": s["reason"]}
        for s in counts["skipped"]
    ]
    return counts


@router.get("/documents", response_model=DocumentList)
def list_documents(engine: EngineDep) -> dict[str, object]:
    """All indexed documents with their metadata and how many passages each has."""
    index = engine.snapshot.index  # one snapshot: the documents and their passages agree
    docs = sorted(index.documents.values(), key=lambda d: d.doc_id)
    return {
        "documents": [
            d.meta() | {"passages": len(index.doc_passages.get(d.doc_id, ()))} for d in docs
        ]
    }


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut,
    responses={404: problem_doc("No such document")},
)
def get_document(doc_id: str, engine: EngineDep) -> dict[str, object]:
    """One document with its full text (citation offsets index into `text`)."""
    d = engine.document(doc_id)
    return {**d.meta(), "text": d.text}


CHANGE_HEADERS = {
    "Idempotency-Key": "A client's key for this change: a retry with the same key gets the "
    "same job (uploads without one are keyed by file name and content)",
    "Prefer": "`wait=N`: wait up to N seconds for the job to finish (RFC 7240)",
}
JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Accepted: the job, queued or running (poll `Location`)"},
    400: problem_doc("The multipart body cannot be parsed"),
    409: problem_doc("The document exists (or not), another job changes it, or the key was reused"),
    413: problem_doc("The file is larger than max_body_bytes"),
    415: problem_doc("Not a UTF-8 text, Markdown or HTML document"),
    422: problem_doc("Bad file name, empty file or no `file` field"),
    503: problem_doc("Too many jobs are waiting, or the server's corpus path is not a folder"),
}


async def _read_upload(file: UploadFile, settings: Settings) -> tuple[str, bytes]:
    name = check_filename(file.filename)
    limit = settings.api.max_body_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiProblem(
            413,
            "payload-too-large",
            "The request body is too large",
            f"the file is larger than {limit} bytes",
        )
    check_content(name, data)
    corpus_folder(settings.corpus.dir)  # 503 now rather than a failed job later
    return name, data


def _key(kind: str, header: str | None, name: str, digest: str) -> str:
    return f"key:{header}" if header else f"{kind}:{name}:{digest}"


def _wait(request: Request, settings: Settings) -> float | None:
    cap = max(0.0, settings.api.request_timeout_s - 2.0)  # answer before the deadline's 504
    return prefer_wait(request.headers.get("prefer"), cap)


@router.post(
    "/documents",
    status_code=202,
    response_model=JobOut,
    responses={
        **JOB_RESPONSES,
        201: {"model": JobOut, "description": "Done within `Prefer: wait`: the finished job"},
    },
)
async def upload_document(
    file: Annotated[UploadFile, File(description="A .txt, .md or .html article (UTF-8)")],
    engine: EngineDep,
    settings: SettingsDep,
    request: Request,
    trust: Annotated[UploadTrust, Form(description=TRUST_HELP)] = "upload",
    title: Annotated[str | None, Form(description="The article's title")] = None,
    published: Annotated[str | None, Form(description="Published on, YYYY-MM-DD")] = None,
    url: Annotated[str | None, Form(description="Where it was published (http/https)")] = None,
) -> Response:
    """Add one document (its doc_id is the file name stem) as a job: 202 and the job at once.

    A retry of the same file (name and bytes) or the same `Idempotency-Key` gets the same job.
    """
    name, data = await _read_upload(file, settings)
    doc_id = PurePosixPath(name).stem
    meta = {"title": title, "published": published, "url": url}  # into its front matter
    # the bytes as stored, front matter included; BadMetadata (422) now, not in the job
    stored = frontmatter.with_fields(data, meta)
    await to_thread.run_sync(engine.check_document, name, stored)  # 413/422 over a limit, now
    digest = hashlib.sha256(stored).hexdigest()
    kind = "add" if trust == "upload" else f"add-{trust}"  # the same bytes, marked otherwise
    key = _key(kind, request.headers.get("idempotency-key"), name, digest)
    job = engine.jobs.find(key)
    if job is None:
        existing = engine.index.documents.get(doc_id) if engine.ready() else None
        if existing is not None:
            raise ApiProblem(
                409,
                "document-exists",
                "The document exists",
                f"doc_id {doc_id} already exists (from {existing.source}); replace it with "
                f"PUT /v1/documents/{doc_id}",
            )

    def run() -> dict[str, Any]:
        doc, report = engine.add_document(name, data, trust=trust, **meta)
        return {"document": doc.meta(), "ingest": ingest_counts(report)}

    job, _ = engine.jobs.submit("add", doc_id, key, run, digest, client_id(request.scope))
    return await job_response(job, engine.jobs, _wait(request, settings))


@router.put(
    "/documents/{doc_id}",
    status_code=202,
    response_model=JobOut,
    responses={
        **JOB_RESPONSES,
        200: {"model": JobOut, "description": "Done within `Prefer: wait`: the finished job"},
        404: problem_doc("No such document"),
    },
)
async def replace_document(
    doc_id: str,
    file: Annotated[UploadFile, File(description="The new .txt, .md or .html file (UTF-8)")],
    engine: EngineDep,
    settings: SettingsDep,
    request: Request,
    trust: Annotated[UploadTrust, Form(description=TRUST_HELP)] = "upload",
) -> Response:
    """Replace a document's file (the file name's stem must be `doc_id`) as a job."""
    name, data = await _read_upload(file, settings)
    if PurePosixPath(name).stem != doc_id:
        raise _bad_name(f"file name {name!r} does not give doc_id {doc_id!r}")
    engine.document(doc_id)  # 404 problem+json if unknown
    await to_thread.run_sync(engine.check_document, name, data)  # 413/422 over a limit, now
    digest = hashlib.sha256(data).hexdigest()
    kind = "replace" if trust == "upload" else f"replace-{trust}"
    key = _key(kind, request.headers.get("idempotency-key"), name, digest)

    def run() -> dict[str, Any]:
        doc, report = engine.replace_document(name, data, trust=trust)
        return {"document": doc.meta(), "ingest": ingest_counts(report)}

    job, _ = engine.jobs.submit("replace", doc_id, key, run, digest, client_id(request.scope))
    return await job_response(job, engine.jobs, _wait(request, settings))


@router.delete(
    "/documents/{doc_id}",
    status_code=202,
    response_model=JobOut,
    responses={
        **{k: v for k, v in JOB_RESPONSES.items() if k not in (400, 413, 415, 422)},
        200: {"model": JobOut, "description": "Done within `Prefer: wait`: the finished job"},
        404: problem_doc("No such document"),
        409: problem_doc("The last document cannot be deleted, or another job changes it"),
    },
)
async def delete_document(
    doc_id: str, engine: EngineDep, settings: SettingsDep, request: Request
) -> Response:
    """Remove one document as a job. The corpus cannot become empty: deleting the last
    document is 409 `last-document` (upload another first)."""
    header = request.headers.get("idempotency-key")
    job = engine.jobs.find(f"key:{header}") if header else None
    if job is None:
        engine.document(doc_id)  # 404 problem+json if unknown
        deleting = {j.doc_id for j in engine.jobs.pending_for("delete")}
        if not [d for d in engine.documents() if d.doc_id not in deleting | {doc_id}]:
            raise ApiProblem(
                409,
                "last-document",
                "The last document cannot be deleted",
                f"{doc_id} is the only document left: the corpus cannot be empty; upload "
                "another document first, or replace this one with PUT",
            )

    def run() -> dict[str, Any]:
        return {"doc_id": doc_id, "ingest": ingest_counts(engine.remove_document(doc_id))}

    key = f"key:{header}" if header else f"delete:{uuid.uuid4().hex}"
    job, _ = engine.jobs.submit("delete", doc_id, key, run, owner=client_id(request.scope))
    return await job_response(job, engine.jobs, _wait(request, settings))
