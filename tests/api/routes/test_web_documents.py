"""The page's documents section in real headless Chromium, on a server with its own index:
the list (title, date, passages), open one, upload one, delete one after a confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from browsing import CHROMIUM, Seen, shot

ARTICLE = (
    "date 2021-05-06\n"
    "Beekeepers in Cork count a record honey harvest.\n\n"
    "The Cork beekeeping association said its members took 12 tonnes of honey this spring.\n"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def server(live_server: Any) -> Any:
    return live_server.start(own_index=True, rate_limit_per_minute=1_000_000)


@pytest.fixture
def own_page(browser: Any, server: Any) -> Iterator[tuple[Any, Seen]]:
    """A page on this module's server; afterwards no request left it and no script failed."""
    seen = Seen()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.on("request", lambda r: seen.requests.append(r.url))
    pg.on("pageerror", lambda e: seen.errors.append(str(e)))
    yield pg, seen
    context.close()
    own = urlsplit(server.url).netloc
    assert [u for u in seen.requests if urlsplit(u).netloc != own] == []
    assert seen.errors == []


def _documents(server: Any) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        docs: list[dict[str, Any]] = c.get("/v1/documents").json()["documents"]
    return docs


@pytest.mark.timeout(300)
def test_list_open_upload_and_delete(
    own_page: tuple[Any, Seen], server: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, seen = own_page
    docs = _documents(server)
    page.goto(server.url + "/")
    rows = page.locator("#doc-list .doc-row")
    expect(rows).to_have_count(len(docs))
    expect(page.locator("#doc-count")).to_have_text(f"({len(docs)})")
    for row, d in zip(rows.all(), docs, strict=True):
        assert row.get_attribute("data-doc") == d["doc_id"]
        expect(row.locator(".doc-open")).to_have_text(d["title"])
        meta = f"{d['published'] or 'undated'} · {d['passages']} passages · {d['doc_id']}"
        expect(row.locator(".muted")).to_have_text(meta)

    # open a document: the whole text, no highlight, and the focus comes back on close
    opener = rows.nth(1).locator(".doc-open")
    opener.click()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        text = c.get(f"/v1/documents/{docs[1]['doc_id']}").json()["text"]
    expect(page.locator("#doc-panel")).to_be_visible()
    expect(page.locator("#doc-title")).to_have_text(docs[1]["title"])
    expect(page.locator("#doc-meta")).not_to_have_text("loading…")
    assert page.locator("#doc-text").text_content() == text
    expect(page.locator("#doc-text mark")).to_have_count(0)
    page.click("#doc-close")
    expect(page.locator("#doc-panel")).to_be_hidden()
    expect(opener).to_be_focused()

    # upload: the list gains the new document once its job is done
    article = tmp_path / "cork_honey.txt"
    article.write_text(ARTICLE)
    page.set_input_files("#upload-file", str(article))
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_have_text("done", timeout=120_000)
    expect(rows).to_have_count(len(docs) + 1)
    new_row = page.locator('#doc-list .doc-row[data-doc="cork_honey"]')
    expect(new_row.locator(".muted")).to_contain_text("2021-05-06 · ")
    expect(page.locator('#filter-docs option[value="cork_honey"]')).to_have_count(1)
    shot(page, "documents-desktop")

    # delete: nothing happens when the confirmation is dismissed
    messages: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    new_row.locator(".doc-delete").click()
    page.wait_for_timeout(500)
    assert messages and "cork_honey" in messages[0]
    assert any(d["doc_id"] == "cork_honey" for d in _documents(server))
    expect(rows).to_have_count(len(docs) + 1)

    page.once("dialog", lambda d: answer(d, True))
    new_row.locator(".doc-delete").click()
    expect(page.locator("#doc-list-status")).to_have_text("deleted cork_honey", timeout=120_000)
    expect(rows).to_have_count(len(docs))
    assert [d["doc_id"] for d in _documents(server)] == [d["doc_id"] for d in docs]
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert c.get("/v1/documents/cork_honey").status_code == 404
    assert any("/v1/jobs/" in u for u in seen.requests)  # the delete's job was followed


@pytest.mark.timeout(240)
def test_a_server_with_keys_asks_for_one_then_the_page_works(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    from api.security import hash_key

    key = "page-key-0123456789"
    keyed = live_server.start(api_key_hashes=[hash_key(key)], rate_limit_per_minute=1_000_000)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(keyed.url + "/")
    expect(page.locator("#key-form")).to_be_visible()  # the document list needed a key
    expect(page.locator("#doc-list .doc-row")).to_have_count(0)
    page.fill("#api-key", key)
    page.press("#api-key", "Enter")
    expect(page.locator("#key-form")).to_be_hidden()
    expect(page.locator("#doc-list .doc-row")).to_have_count(5)
    page.fill("#question", "Why was the Ant IPO suspended?")
    page.press("#question", "Enter")
    expect(page.locator("#status")).to_have_text("answered", timeout=60_000)
    context.close()
    assert errors == []
