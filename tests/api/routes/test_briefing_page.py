"""The HTML briefing from `POST /v1/briefings` in real headless Chromium: on a desktop, on a
phone (no sideways scroll) and printed. Screenshots are saved as test artefacts in
$RAG_SCREENSHOTS (default: this run's own temporary folder, the `screenshots` fixture); with
RAG_SCREENSHOTS=docs/img this test regenerates the README's docs/img/briefing.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import CHROMIUM

ANT = "the regulatory crackdown on Ant Group"
BASE = "https://news.example.org"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


# read at import: the autouse fixtures clear RAG_* variables before each test
SHOTS = os.environ.get("RAG_SCREENSHOTS")


@pytest.fixture
def shots(screenshots: Path) -> Path:
    """$RAG_SCREENSHOTS (created if missing), else this run's screenshot folder."""
    if not SHOTS:
        return screenshots
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def briefing_html(live_server: Any) -> str:
    """The page as a user downloads it, from a server with a public document base URL."""
    server = live_server.start(document_base_url=BASE)
    try:
        with server.client() as http:
            resp = http.post("/v1/briefings", json={"topic": ANT, "format": "html"})
    finally:
        server.stop()
    assert resp.status_code == 200, resp.text
    return resp.text


@pytest.fixture
def open_page(browser: Any, briefing_html: str) -> Iterator[Any]:
    """Opens the saved briefing at a viewport size; the page must request nothing."""
    contexts: list[Any] = []
    requests: list[str] = []

    def opened(width: int, height: int) -> Any:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.set_content(briefing_html)
        return page

    yield opened
    for ctx in contexts:
        ctx.close()
    assert [u for u in requests if not u.startswith(("about:", "data:"))] == []


@pytest.mark.timeout(180)
def test_desktop_briefing_header_and_citation_jump(open_page: Any, shots: Path) -> None:
    from playwright.sync_api import expect

    page = open_page(1280, 900)
    expect(page.locator("h1")).to_have_text("Briefing: The regulatory crackdown on Ant Group")
    expect(page.locator("dl.meta dt")).to_have_text(["Topic", "Generated", "Scope"])
    page.screenshot(path=str(shots / "briefing.png"))
    page.screenshot(path=str(shots / "briefing-full.png"), full_page=True)
    first = page.locator("a.cite").first
    expect(first).to_have_text("[1]")
    first.click()
    target = page.locator("#ref-1")
    expect(target).to_be_in_viewport()
    assert page.evaluate("location.hash") == "#ref-1"


@pytest.mark.timeout(180)
def test_phone_briefing_has_no_sideways_scroll(open_page: Any, shots: Path) -> None:
    page = open_page(390, 844)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("innerWidth")
    assert width <= inner == 390
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= inner
    page.screenshot(path=str(shots / "briefing-phone.png"), full_page=True)


@pytest.mark.timeout(180)
def test_printed_briefing_drops_chrome_and_shows_link_urls(open_page: Any) -> None:
    page = open_page(1280, 900)
    page.emulate_media(media="print")
    main = page.evaluate("getComputedStyle(document.querySelector('main')).boxShadow")
    assert main == "none"
    after = page.evaluate(
        "getComputedStyle(document.querySelector('ul.refs a.doc'), '::after').content"
    )
    assert after.startswith(f'" <{BASE}/#doc=')
    assert page.locator("ul.refs > li").count() >= 2  # references are kept
    pdf = page.pdf(format="A4")  # the browser's print, as a reader would do it
    assert pdf.startswith(b"%PDF-")
