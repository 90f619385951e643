"""The page's upload in real headless Chromium: the job's progress until done or failed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from browsing import CHROMIUM, Seen

GARDEN = (
    "date 2021-04-02\n"
    "Allotment gardeners in Leeds report a record tomato harvest.\n\n"
    "The Leeds allotment society said members grew 4,200 kilograms of tomatoes this season.\n"
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
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.on("request", lambda r: seen.requests.append(r.url))
    pg.on("pageerror", lambda e: seen.errors.append(str(e)))
    yield pg, seen
    context.close()
    own = urlsplit(server.url).netloc
    assert [u for u in seen.requests if urlsplit(u).netloc != own] == []
    assert seen.errors == []


@pytest.mark.timeout(180)
def test_an_upload_shows_its_job_until_done(
    own_page: tuple[Any, Seen], server: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, seen = own_page
    article = tmp_path / "garden_page.txt"
    article.write_text(GARDEN)
    page.goto(server.url + "/")
    page.set_input_files("#upload-file", str(article))
    page.click("#upload-button")
    status = page.locator("#upload-status")
    expect(status).to_have_text("done", timeout=120_000)
    history = status.get_attribute("data-history").split()
    assert history[0] == "uploading" and history[-1] == "done"
    assert {"queued", "running"} & set(history)  # the 202 state came before "done"
    expect(page.locator("#upload-detail")).to_contain_text("garden_page: ")
    assert any("/v1/jobs/" in u for u in seen.requests)  # it polled the job
    with httpx.Client(base_url=server.url, timeout=60) as c:
        hit = c.post("/v1/search", json={"query": "tomato harvest in Leeds"}).json()["results"][0]
        assert hit["doc_id"] == "garden_page"


@pytest.mark.timeout(120)
def test_a_refused_upload_says_why(own_page: tuple[Any, Seen], server: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page, _ = own_page
    scripty = tmp_path / "scripty.html"  # passes the request's checks, fails in the job
    scripty.write_text("<html><head><script>var x = 1;</script></head></html>")
    page.goto(server.url + "/")
    page.set_input_files("#upload-file", str(scripty))
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_have_text("failed", timeout=60_000)
    expect(page.locator("#upload-detail")).to_contain_text("no text")
    binary = tmp_path / "picture.txt"  # refused by the request itself (415)
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    page.set_input_files("#upload-file", str(binary))
    page.click("#upload-button")
    expect(page.locator("#upload-detail")).to_contain_text("binary", timeout=30_000)
    expect(page.locator("#upload-status")).to_have_text("failed")
