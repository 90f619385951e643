"""Asking from the page, in real headless Chromium: history, follow-ups, a shareable link,
copy with citations, Stop, the elapsed time, the previous answer kept, source cards."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from browsing import CHROMIUM, SIZES, Seen, readme_shot, shot

from rag.text.followup import standalone_question

QUESTION = "Why was the Ant IPO suspended?"
FOLLOWUP = "and why did it withdraw its deposit products?"
OFF_TOPIC = "What is the boiling point of mercury on Mars?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _ask(page: Any, question: str) -> None:
    from playwright.sync_api import expect

    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator("#ask-button")).to_be_enabled(timeout=60_000)
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false")


def _api_answer(live_server: Any, question: str) -> dict[str, Any]:
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        body = {"question": question, "return_retrieved": True}
        answer: dict[str, Any] = http.post("/v1/ask", json=body).json()
    return answer


@pytest.mark.timeout(240)
def test_history_followup_and_the_previous_answer_kept(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    expect(page.locator("#history")).to_be_hidden()
    _ask(page, QUESTION)
    expect(page.locator("#status")).to_have_text("answered")
    first_text = page.locator("#answer-text").text_content()
    assert page.evaluate("location.search") == f"?q={quote(QUESTION, safe='')}"

    # asking again leaves the old answer on screen until the new one starts streaming
    page.fill("#question", FOLLOWUP)
    kept = page.evaluate(
        "() => { document.querySelector('#ask-button').click();"
        " return document.querySelector('#answer-text').textContent; }"
    )
    assert kept == first_text
    expect(page.locator("#ask-button")).to_be_enabled(timeout=60_000)
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false")

    # the follow-up was asked with its subject restored, as the chat endpoint would
    asked = standalone_question([("user", QUESTION), ("user", FOLLOWUP)])
    assert asked != FOLLOWUP
    expect(page.locator("#asked-as")).to_have_text(f"Asked as: {asked}")
    assert page.evaluate("window.citedRag.state.answer.question") == asked
    followup_answer = page.locator("#answer-text").text_content()
    assert followup_answer != first_text

    items = page.locator("#history-list .history-item")
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_have_text(f"{FOLLOWUP} → {asked}")
    shot(page, "ask-history-desktop")

    # a question from the history is shown again without asking the server
    asks = []
    page.on("request", lambda r: asks.append(r.url) if r.url.endswith("/v1/ask") else None)
    items.nth(0).click()
    expect(page.locator("#answer-text")).to_have_text(first_text)
    expect(page.locator("#status")).to_have_text("answered")
    expect(page.locator("#source-cards .source-card").first).to_be_visible()
    assert asks == []


@pytest.mark.timeout(180)
def test_source_cards_hover_cards_and_copy(browser: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    api_answer = _api_answer(live_server, QUESTION)
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        docs = {d["doc_id"]: d for d in http.get("/v1/documents").json()["documents"]}
    cited = list(dict.fromkeys(c["doc_id"] for c in api_answer["citations"]))

    for size, (w, h) in SIZES.items():
        context = browser.new_context(viewport={"width": w, "height": h})
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, out=errors: out.append(str(e)))
        # a shared link asks its question as the page loads
        page.goto(f"{live_server.url}/?q={quote(QUESTION)}")
        expect(page.locator("#status")).to_have_text("answered", timeout=60_000)
        assert page.input_value("#question") == QUESTION

        cards = page.locator("#source-cards .source-card")
        expect(cards).to_have_count(len(cited))  # one per document, in order of first use
        for card, doc_id in zip(cards.all(), cited, strict=True):
            doc = docs[doc_id]
            assert card.get_attribute("data-doc") == doc_id
            expect(card.locator(".card-title")).to_have_text(doc["title"] or doc_id)
            expect(card.locator(".card-meta")).to_have_text(
                f"{doc['published'] or 'undated'} · {doc_id}"
            )
            markers = [c["marker"] for c in api_answer["citations"] if c["doc_id"] == doc_id]
            expect(card.locator(".chip")).to_have_count(len(markers))

        chip = page.locator("#answer-text .chip").first
        marker = int(chip.get_attribute("data-marker"))
        citation = next(c for c in api_answer["citations"] if c["marker"] == marker)
        if size == "desktop":
            chip.hover()
        else:
            chip.focus()
        card = page.locator("#hovercard")
        expect(card).to_be_visible()
        expect(card.locator("blockquote")).to_have_text(citation["quote"])
        expect(card.locator("strong")).to_have_text(docs[citation["doc_id"]]["title"])
        shot(page, f"ask-sources-{size}")
        readme_shot(page, f"page-{size}")

        page.click("#copy-answer")
        expect(page.locator("#copy-status")).to_have_text("copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(f"Q: {QUESTION}\n")
        for c in api_answer["citations"]:
            assert f"[{c['marker']}]" in copied and f"“{c['quote']}”" in copied
            assert f"{c['doc_id']} {c['start']}:{c['end']}" in copied
        context.close()
        assert errors == []


@pytest.mark.timeout(180)
def test_stop_ends_the_stream_and_the_clock_runs_while_it_waits(
    page: Any, live_server: Any, seen: Seen
) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    _ask(page, QUESTION)
    first = page.evaluate("window.citedRag.state.answer")
    held: list[Any] = []
    page.route("**/v1/ask", lambda route: held.append(route))  # the answer never comes
    page.fill("#question", "Why did Ant withdraw its deposit products?")
    page.press("#question", "Enter")
    while not held:
        page.wait_for_timeout(50)
    expect(page.locator("#stop-button")).to_be_visible()
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "true")
    clock = page.locator("#elapsed")
    expect(clock).to_be_visible()
    before = clock.text_content()
    expect(clock).not_to_have_text(before)  # it counts while the answer is awaited
    assert clock.text_content().endswith(" s")
    shot(page, "ask-streaming-desktop")
    page.click("#stop-button")
    expect(page.locator("#stop-button")).to_be_hidden()
    expect(page.locator("#ask-button")).to_be_enabled()
    expect(clock).to_be_hidden()
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false")
    # the stopped question never replaced the answer on screen
    assert page.evaluate("window.citedRag.state.answer") == first
    expect(page.locator("#status")).to_have_text("answered")
    expect(page.locator("#error")).to_be_hidden()
    for route in held:
        with contextlib.suppress(Exception):  # the page already gave up on it
            route.abort()
    page.unroute("**/v1/ask")
    seen.requests.clear()  # the held request was never sent anywhere


@pytest.mark.timeout(180)
def test_unanswerable_shows_the_nearest_passages_collapsed(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    api_answer = _api_answer(live_server, OFF_TOPIC)
    assert api_answer["status"] == "unanswerable"
    page.goto(live_server.url + "/")
    _ask(page, OFF_TOPIC)
    expect(page.locator("#status")).to_have_text("unanswerable")
    nearest = page.locator("#retrieved")
    expect(nearest).to_be_visible()
    assert nearest.get_attribute("open") is None  # collapsed until asked for
    n = len(api_answer["retrieved"])
    expect(page.locator("#retrieved-summary")).to_have_text(f"The nearest passages ({n})")
    page.click("#retrieved-summary")
    items = page.locator("#retrieved-list li")
    expect(items).to_have_count(n)
    hrefs = items.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    hits = api_answer["retrieved"]
    want = [f"#doc={h['doc_id']}&start={h['start']}&end={h['end']}" for h in hits]
    assert hrefs == want
    expect(page.locator("#source-cards")).to_be_hidden()
    shot(page, "ask-unanswerable-desktop")
