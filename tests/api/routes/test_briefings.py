"""`POST /v1/briefings` against a real uvicorn server over a real index (tests/api/conftest.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from rag.settings import Settings

ANT = "the regulatory crackdown on Ant Group"
ECB = "the European Central Bank's interest rate decisions"
Problem = Callable[[httpx.Response, int], dict[str, Any]]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(live_server: Any) -> httpx.Client:
    c: httpx.Client = live_server.default.client()
    return c


def test_json_briefing_with_verified_citations(client: httpx.Client) -> None:
    resp = client.post("/v1/briefings", json={"topic": ANT})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    b = resp.json()
    assert b["status"] == "briefed" and len(b["sections"]) >= 3
    assert b["timeline"] and b["key_figures"] and b["references"]
    docs: dict[str, str] = {}
    for c in b["citations"]:
        if c["doc_id"] not in docs:
            docs[c["doc_id"]] = client.get(f"/v1/documents/{c['doc_id']}").json()["text"]
        assert docs[c["doc_id"]][c["start"] : c["end"]] == c["quote"]
    markers = {c["marker"] for c in b["citations"]}
    assert all(s["citations"] and set(s["citations"]) <= markers for s in b["sentences"])
    (disputed,) = [k for k in b["key_figures"] if k["disputed"]]
    assert {v["value"] for v in disputed["values"]} == {"$ 37 billion", "$34.5 billion"}


def test_markdown_and_html_formats(client: httpx.Client) -> None:
    md = client.post("/v1/briefings", json={"topic": ANT, "format": "md", "max_sentences": 6})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Briefing: The regulatory crackdown on Ant Group")
    assert "## References" in md.text and re.search(r"\[\d+\]", md.text)
    page = client.post("/v1/briefings", json={"topic": ANT, "format": "html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="#ref-' in page.text and 'id="ref-' in page.text and "/#doc=" not in page.text
    assert not re.search(r"https?://|<script|\bsrc=", page.text)


def test_html_links_documents_on_the_configured_base_url(live_server: Any) -> None:
    base = "https://news.example.org"
    with live_server.start(document_base_url=base).client() as client:
        page = client.post("/v1/briefings", json={"topic": ANT, "format": "html"}).text
        md = client.post("/v1/briefings", json={"topic": ANT, "format": "md"}).text
        b = client.post("/v1/briefings", json={"topic": ANT}).json()
    for c in b["citations"]:
        url = f"{base}/#doc={c['doc_id']}&start={c['start']}&end={c['end']}"
        assert f'href="{url.replace("&", "&amp;")}"' in page and f"(<{url}>)" in md
    spans = [s for r in b["references"] for s in r["spans"]]
    assert all(s["link"].startswith("/#doc=") for s in spans)  # JSON fields as they were


def test_filters_and_off_corpus_topic(client: httpx.Client) -> None:
    one = client.post(
        "/v1/briefings", json={"topic": ANT, "filters": {"doc_ids": ["001_1588505dcf2d46fe"]}}
    ).json()
    assert {c["doc_id"] for c in one["citations"]} == {"001_1588505dcf2d46fe"}
    off = client.post("/v1/briefings", json={"topic": ECB}).json()
    assert off["status"] == "not_covered"
    assert off["summary"]["text"] == "The corpus does not cover this topic."
    assert off["citations"] == [] and off["sections"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"topic": ""},
        {"topic": "   "},
        {"topic": ANT, "max_sentences": 0},
        {"topic": ANT, "format": "docx"},
        {"topic": ANT, "filters": {"author": "x"}},
        {"topic": "x" * 5000},
        {"question": ANT},
    ],
)
def test_bad_requests_are_problems(
    client: httpx.Client, assert_problem: Problem, body: dict[str, Any]
) -> None:
    assert_problem(client.post("/v1/briefings", json=body), 422)


def test_openapi_documents_the_route(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v1/briefings"]["post"]
    assert {"application/json", "text/markdown", "text/html", "application/pdf"} <= set(
        op["responses"]["200"]["content"]
    )


@pytest.mark.parametrize("url", ["example.org", "ftp://example.org", "https://a b", "https://x/?q"])
def test_a_document_base_url_must_be_a_plain_http_url(url: str) -> None:
    with pytest.raises(ValidationError, match="document_base_url"):
        Settings(api={"document_base_url": url})


def test_header_scope_and_numbering_in_order_of_first_use(client: httpx.Client) -> None:
    b = client.post("/v1/briefings", json={"topic": ANT}).json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b["generated_at"])
    dates = sorted(r["published"] for r in b["references"] if r["published"])
    assert b["scope"] == {
        "sources": len(b["references"]),
        "first_published": dates[0],
        "last_published": dates[-1],
        "undated_sources": len(b["references"]) - len(dates),
    }
    read = [n for s in b["sentences"] for n in s["citations"]]
    assert list(dict.fromkeys(read)) == [c["marker"] for c in b["citations"]]
    assert [c["marker"] for c in b["citations"]] == list(range(1, len(b["citations"]) + 1))
    firsts = [r["markers"][0] for r in b["references"]]
    assert firsts == sorted(firsts) and all(r["title"] for r in b["references"])
    assert all(e["resolved"] for e in b["timeline"])
    assert all(not e["resolved"] for e in b["undated"])
    md = client.post("/v1/briefings", json={"topic": ANT, "format": "md"}).text
    head = md.split("## Summary")[0]
    assert f"**Topic:** {ANT}" in head and "**Generated:** " in head
    assert f"**Scope:** {len(b['references'])} sources, published " in head


@pytest.mark.parametrize(
    ("body", "accept"),
    [({"topic": ANT, "format": "pdf"}, "application/json"), ({"topic": ANT}, "application/pdf")],
)
def test_pdf_by_format_or_by_accept_header(
    client: httpx.Client, body: dict[str, Any], accept: str
) -> None:
    from pypdf import PdfReader

    resp = client.post("/v1/briefings", json=body, headers={"Accept": accept})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(resp.content))
    assert len(reader.pages) >= 1
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    refs = client.post("/v1/briefings", json={"topic": ANT}).json()["references"]
    assert "The regulatory crackdown on Ant Group" in text
    assert " ".join(refs[0]["title"].split()) in text


def test_accept_header_chooses_html_or_markdown(client: httpx.Client) -> None:
    page = client.post("/v1/briefings", json={"topic": ANT}, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and "<dl class=" in page.text
    md = client.post(
        "/v1/briefings", json={"topic": ANT}, headers={"Accept": "text/markdown;q=0.9, */*"}
    )
    assert md.headers["content-type"].startswith("text/markdown")
    plain = client.post("/v1/briefings", json={"topic": ANT}, headers={"Accept": "*/*"})
    assert plain.headers["content-type"].startswith("application/json")
