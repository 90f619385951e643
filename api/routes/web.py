"""The web page: `/` serves api/static/index.html; `/static` (mounted by api.app) serves its
script and style.

No build step and no external requests: the page is plain HTML, CSS and JavaScript.
Deep links `/#doc=<doc_id>&start=<s>&end=<e>` open a document with that span highlighted.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The question page."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=NO_CACHE)
