"""Uploads take a title, a published date and a source URL (form fields or front matter);
they are stored in the file, listed with the document and shown in briefing references."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

TEXT = (
    "Allotment gardeners in Leeds report a record tomato harvest.\n\n"
    "The Leeds allotment society said members grew 4,200 kilograms of tomatoes this season, "
    "helped by a warm spring and a new shared greenhouse.\n"
)
URL = "https://news.example.org/leeds-tomatoes"


@pytest.fixture(scope="module")
def server(live_server: Any) -> Any:
    return live_server.start(own_index=True)


def _uploaded(c: httpx.Client, doc_id: str) -> dict[str, Any]:
    """The document once the upload is in (a 201, or a 202 job that finishes)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        r = c.get(f"/v1/documents/{doc_id}")
        if r.status_code == 200:
            body: dict[str, Any] = r.json()
            return body
        time.sleep(0.5)
    raise AssertionError(f"{doc_id} never appeared")


def test_form_fields_are_stored_listed_and_referenced(server: Any) -> None:
    form = {"title": "Leeds grows a record crop", "published": "2021-09-30", "url": URL}
    with server.client() as c:
        r = c.post("/v1/documents", files={"file": ("leeds.txt", TEXT.encode())}, data=form)
        assert r.status_code in (201, 202), r.text
        doc = _uploaded(c, "leeds")
        assert (doc["title"], doc["published"], doc["url"]) == tuple(form.values())
        assert doc["text"].endswith(TEXT) and doc["text"].startswith("---\ntitle: ")
        listed = {d["doc_id"]: d for d in c.get("/v1/documents").json()["documents"]}
        assert listed["leeds"]["url"] == URL
        hit = c.post("/v1/search", json={"query": "Leeds tomato harvest"}).json()["results"][0]
        assert hit["doc_id"] == "leeds" and hit["title"] == form["title"]
        assert hit["published"] == "2021-09-30"
        brief = c.post(
            "/v1/briefings",
            json={"topic": "the Leeds tomato harvest", "filters": {"doc_ids": ["leeds"]}},
        ).json()
        assert brief["references"][0]["url"] == URL
        md = c.post(
            "/v1/briefings",
            json={
                "topic": "the Leeds tomato harvest",
                "format": "md",
                "filters": {"doc_ids": ["leeds"]},
            },
        ).text
        assert f"<{URL}>" in md and "Leeds grows a record crop" in md
    stored = (server.settings.corpus.dir / "leeds.txt").read_text(encoding="utf-8")
    assert stored.startswith("---\ntitle: Leeds grows a record crop\npublished: 2021-09-30\n")


def test_a_front_matter_block_in_the_file_is_read(server: Any) -> None:
    block = f"---\ntitle: Tomatoes, again\ndate: 2021-10-01\nurl: {URL}\n---\n"
    with server.client() as c:
        r = c.post("/v1/documents", files={"file": ("leeds2.md", (block + TEXT).encode())})
        assert r.status_code in (201, 202), r.text
        doc = _uploaded(c, "leeds2")
    assert (doc["title"], doc["published"], doc["url"]) == ("Tomatoes, again", "2021-10-01", URL)
    assert doc["text"] == block + TEXT  # offsets index the file as it is


def test_a_bad_date_is_refused_in_words(server: Any, assert_problem: Any) -> None:
    with server.client() as c:
        r = c.post(
            "/v1/documents",
            files={"file": ("leeds3.txt", TEXT.encode())},
            data={"published": "last week"},
        )
        problem = assert_problem(r, 422)
    assert problem["detail"] == "published: 'last week' is not a date (YYYY-MM-DD)"
    assert not (server.settings.corpus.dir / "leeds3.txt").exists()
