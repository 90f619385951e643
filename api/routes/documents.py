"""`/v1/documents`: list, read, add and remove documents.

`GET /v1/documents` lists the indexed documents, `GET /v1/documents/{doc_id}` returns one with
its text. `POST /v1/documents` (multipart, field `file`) saves a .txt/.md/.html file into the
corpus and ingests it; `DELETE /v1/documents/{doc_id}` removes one. The Engine swaps the index
atomically, so searches keep working while either runs, and a failed ingest leaves nothing
behind. Uploads are checked by content, not by the declared content type.
"""

from __future__ import annotations

from functools import partial
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import EngineDep, SettingsDep
from api.errors import ApiProblem
from api.openapi import problem_doc
from api.schemas import DeleteResult, DocumentList, DocumentOut, UploadResult
from rag.index.corpus import DOC_ID, SUFFIXES
from rag.index.ingest import IngestReport

router = APIRouter(prefix="/v1", tags=["documents"])

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
    """All indexed documents with their metadata."""
    return {"documents": [d.meta() for d in engine.documents()]}


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut,
    responses={404: problem_doc("No such document")},
)
def get_document(doc_id: str, engine: EngineDep) -> dict[str, object]:
    """One document with its full text (citation offsets index into `text`)."""
    d = engine.document(doc_id)
    return {**d.meta(), "text": d.text}


@router.post(
    "/documents",
    status_code=201,
    response_model=UploadResult,
    responses={
        409: problem_doc("A document with that doc_id exists, or another ingest runs"),
        413: problem_doc("The file is larger than max_body_bytes"),
        415: problem_doc("Not a UTF-8 text, Markdown or HTML document"),
        422: problem_doc("Bad file name, empty file or no `file` field"),
    },
)
async def upload_document(
    file: Annotated[UploadFile, File(description="A .txt, .md or .html article (UTF-8)")],
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    title: Annotated[str | None, Form(description="The article's title")] = None,
    published: Annotated[str | None, Form(description="Published on, YYYY-MM-DD")] = None,
    url: Annotated[str | None, Form(description="Where it was published (http/https)")] = None,
) -> dict[str, Any]:
    """Add one document to the corpus and the index; its doc_id is the file name stem."""
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
    doc_id = PurePosixPath(name).stem
    existing = engine.index.documents.get(doc_id) if engine.ready() else None
    if existing is not None:
        raise ApiProblem(
            409,
            "document-exists",
            "The document exists",
            f"doc_id {doc_id} already exists (from {existing.source}); delete it first",
        )
    meta = {"title": title, "published": published, "url": url}  # into its front matter
    doc, report = await to_thread.run_sync(partial(engine.add_document, name, data, **meta))
    response.headers["Location"] = f"/v1/documents/{doc.doc_id}"
    return {"document": doc.meta(), "ingest": ingest_counts(report)}


@router.delete(
    "/documents/{doc_id}",
    response_model=DeleteResult,
    responses={404: problem_doc("No such document"), 409: problem_doc("Another ingest runs")},
)
async def delete_document(doc_id: str, engine: EngineDep) -> dict[str, Any]:
    """Remove one document from the corpus and the index."""
    engine.document(doc_id)  # 404 problem+json if unknown
    report = await to_thread.run_sync(partial(engine.remove_document, doc_id))
    return {"doc_id": doc_id, "ingest": ingest_counts(report)}
