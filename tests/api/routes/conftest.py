"""Browser fixtures: one Chromium per module, a fresh page per test that fails the test if a
request leaves the server or a script raises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browsing import ARGS, CHROMIUM, Seen


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests save their screenshots (test artefacts): a folder of this run and
    worker, so two runs at once (xdist workers, two clones) never overwrite each other's."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def page(browser: Any, live_server: Any, seen: Seen) -> Iterator[Any]:
    """A fresh page; afterwards, no request left the server and no script failed."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.on("request", lambda r: seen.requests.append(r.url))
    pg.on("pageerror", lambda e: seen.errors.append(str(e)))
    yield pg
    context.close()
    own = urlsplit(live_server.url).netloc
    # data: and blob: URLs (ReDoc's logo and worker) never leave the page
    network = [u for u in seen.requests if urlsplit(u).scheme not in ("data", "blob")]
    assert [u for u in network if urlsplit(u).netloc != own] == []
    assert seen.errors == []
