"""Briefings and filters from the page, in real headless Chromium: the topic and the filters
go to POST /v1/briefings; the page shows the HTML it returns, prints it and downloads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from browsing import CHROMIUM, SIZES, shot

TOPIC = "the regulatory crackdown on Ant Group"
DEPOSITS_DOC = "002_c2792e408a785547"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.mark.timeout(240)
def test_a_briefing_is_shown_printable_and_downloadable(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server.url, timeout=120) as http:
        brief = http.post("/v1/briefings", json={"topic": TOPIC}).json()
    quotes = {c["quote"] for c in brief["citations"]}
    assert quotes

    for size, (w, h) in SIZES.items():
        context = browser.new_context(viewport={"width": w, "height": h}, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, out=errors: out.append(str(e)))
        page.goto(live_server.url + "/")
        page.fill("#brief-topic", TOPIC)
        page.click("#brief-button")
        frame_el = page.locator("#brief-frame")
        expect(frame_el).to_be_visible(timeout=120_000)
        frame = page.frame_locator("#brief-frame")
        expect(frame.locator("body")).to_contain_text(next(iter(quotes)), timeout=30_000)
        text = frame.locator("body").text_content()
        assert all(q in text for q in quotes)
        # the briefing's own styles apply inside the page's CSP (through the CSSOM)
        adopted = frame_el.evaluate(
            "f => [f.contentDocument.adoptedStyleSheets.length,"
            " f.contentDocument.querySelectorAll('style').length]"
        )
        assert adopted[0] == adopted[1] >= 1
        page.evaluate("() => { window.printed = 0; }")
        frame_el.evaluate("f => { f.contentWindow.print = () => { window.printed += 1; }; }")
        page.click("#brief-print")
        assert page.evaluate("window.printed") == 1
        with page.expect_download() as info:
            page.click("#brief-download")
        download = info.value
        assert download.suggested_filename == "the-regulatory-crackdown-on-ant-group.html"
        saved = tmp_path / f"{size}.html"
        download.save_as(saved)
        assert saved.read_text(encoding="utf-8") == frame_el.get_attribute("srcdoc")
        assert "<style>" in saved.read_text(encoding="utf-8")
        shot(page, f"briefing-{size}")
        context.close()
        assert errors == []


@pytest.mark.timeout(240)
def test_filters_go_with_the_question_and_the_briefing(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    bodies: dict[str, list[dict[str, Any]]] = {"/v1/ask": [], "/v1/briefings": []}

    def keep(request: Any) -> None:
        for path, seen in bodies.items():
            if request.url.endswith(path) and request.method == "POST":
                seen.append(json.loads(request.post_data))

    page.on("request", keep)
    page.goto(live_server.url + "/")
    page.click("#filters summary")
    expect(page.locator("#filter-docs option")).to_have_count(5)
    page.select_option("#filter-docs", [DEPOSITS_DOC])
    page.fill("#filter-from", "2020-12-01")
    page.fill("#filter-to", "2020-12-31")
    expect(page.locator("#filter-count")).to_have_text("3 active")
    # only extractive answers are configured here, so there is no mode to choose
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        models = [m["id"] for m in http.get("/v1/models").json()["data"]]
    assert models == ["cited-rag"]
    expect(page.locator("#mode-row")).to_be_hidden()
    shot(page, "filters-desktop")

    page.fill("#question", "Why did Ant withdraw its deposit products?")
    page.press("#question", "Enter")
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false", timeout=60_000)
    expect(page.locator("#ask-button")).to_be_enabled()
    want = {"doc_ids": [DEPOSITS_DOC], "published_from": "2020-12-01", "published_to": "2020-12-31"}
    assert bodies["/v1/ask"][-1]["filters"] == want
    assert bodies["/v1/ask"][-1]["llm"] is None
    cited = page.evaluate("window.citedRag.state.answer.citations.map(c => c.doc_id)")
    assert cited and set(cited) == {DEPOSITS_DOC}

    page.fill("#brief-topic", "Ant's deposit products")
    page.click("#brief-button")
    expect(page.locator("#brief-frame")).to_be_visible(timeout=120_000)
    assert bodies["/v1/briefings"][-1]["filters"] == want

    page.click("#filter-clear")
    expect(page.locator("#filter-count")).to_have_text("")
    page.fill("#question", "Why was the Ant IPO suspended?")
    # the previous answer's status is already "answered": wait for this question's request
    with page.expect_request(lambda r: r.url.endswith("/v1/ask") and r.method == "POST") as sent:
        page.press("#question", "Enter")
    assert json.loads(sent.value.post_data)["filters"] is None
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false", timeout=60_000)
