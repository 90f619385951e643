"""/docs and /redoc render from local files, with nothing fetched from elsewhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from browsing import CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_name_only_local_assets(live_server: Any, path: str) -> None:
    html = httpx.get(live_server.url + path, timeout=30).text
    assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html
    assert "/docs-assets/" in html


def test_an_asset_is_served_without_a_key(live_server: Any) -> None:
    from api.security import hash_key

    server = live_server.start(api_key_hashes=[hash_key("k" * 32)])
    r = httpx.get(server.url + "/docs-assets/swagger-ui.css", timeout=30)
    assert r.status_code == 200 and "swagger-ui" in r.text
    assert httpx.get(server.url + "/v1/documents", timeout=30).status_code == 401


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_swagger_ui_renders_offline(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Cited RAG")
    expect(page.locator(".opblock-summary-path", has_text="/v1/ask").first).to_be_visible()


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_redoc_renders_offline(browser: Any, live_server: Any) -> None:
    """Off-host requests are cut, as on a machine without network. ReDoc's side menu always
    tries one decorative logo from its CDN (no option turns it off); it fails, and the page
    does not depend on it."""
    from playwright.sync_api import expect

    own = urlsplit(live_server.url).netloc
    cut: list[str] = []

    def offline(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            cut.append(url)
            route.abort()
        else:
            route.continue_()

    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/*", offline)
        page.goto(live_server.url + "/redoc")
        expect(page.locator("h1", has_text="Cited RAG").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("/v1/ask").first).to_be_attached()
    finally:
        context.close()
    assert set(cut) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
