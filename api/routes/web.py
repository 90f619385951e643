"""The web page: `/` serves api/static/index.html; `/static` (mounted by api.app) serves its
script and style.

No build step and no external requests: the page is plain HTML, CSS and JavaScript.
Deep links `/#doc=<doc_id>&start=<s>&end=<e>` open a document with that span highlighted.
The question box counts characters against the server's limit (settings.api.max_question_chars,
written into the page as it is served) and refuses, with a message, a longer question.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep

STATIC = Path(__file__).resolve().parent.parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}
LIMIT = 'data-max-chars="1000"'  # in index.html; the served page carries the configured limit

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(settings: SettingsDep) -> HTMLResponse:
    """The question page, with the server's question length limit."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace(LIMIT, f'data-max-chars="{settings.api.max_question_chars}"')
    return HTMLResponse(page, headers=NO_CACHE)
