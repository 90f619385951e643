"""The web page in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from browsing import CHROMIUM, Seen

QUESTION = "Why was the Ant IPO suspended?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.mark.timeout(180)
def test_ask_stream_click_a_chip_and_see_the_quote(
    page: Any, live_server: Any, seen: Seen, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        api_answer = http.post("/v1/ask", json={"question": QUESTION}).json()
    by_marker = {c["marker"]: c for c in api_answer["citations"]}

    page.goto(live_server.url + "/")
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    chip = page.locator("#answer-text .chip").first
    chip.wait_for()
    expect(page.locator("#status")).to_have_text("answered")
    chip.click()

    mark = page.locator("#doc-text mark")
    expect(mark).to_have_count(1)
    marker = int(chip.get_attribute("data-marker"))
    page_citations = page.evaluate("window.citedRag.state.answer.citations")
    quote = next(c["quote"] for c in page_citations if c["marker"] == marker)
    assert quote == by_marker[marker]["quote"]
    assert mark.text_content() == quote
    expect(mark).to_be_in_viewport()
    assert page.evaluate("location.hash").startswith(f"#doc={by_marker[marker]['doc_id']}&")
    expect(page.locator("#sources .source")).to_have_count(len(by_marker))
    page.wait_for_timeout(300)  # let the fade-in finish before the picture
    page.screenshot(path=str(screenshots / "web.png"))
    assert any(u.endswith("/v1/ask") for u in seen.requests)


@pytest.mark.timeout(120)
def test_a_deep_link_opens_the_span(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    engine = live_server.default.engine
    doc = engine.document("000_341026f71ce0a6ab")
    start = doc.text.index("Ant announced")  # the sentence has curly quotes in it
    end = doc.text.index(".", start) + 1
    page.goto(f"{live_server.url}/#doc={doc.doc_id}&start={start}&end={end}")
    mark = page.locator("#doc-text mark")
    expect(mark).to_have_text(doc.text[start:end])
    assert page.locator("#doc-text").text_content() == doc.text
    expect(mark).to_be_in_viewport()
    page.locator("#doc-close").click()
    expect(page.locator("#doc-panel")).to_be_hidden()


def test_spans_are_cut_at_code_points_not_utf16_units(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    text = "Ant 🐜 said “no” 💸 to $34.5 billion 🇨🇳 today."
    for start, end in [(4, 5), (6, 16), (17, 18), (19, 34), (0, len(text))]:
        parts = page.evaluate(
            "([t, s, e]) => window.citedRag.splitSpan(t, s, e)", [text, start, end]
        )
        assert parts == [text[:start], text[start:end], text[end:]]


# -- the states an issue found broken ------------------------------------------------------------
CONFLICT = "How much would Ant's IPO have raised?"
Shot = Callable[[Any, str], None]


@pytest.fixture
def shot(screenshots: Path) -> Shot:
    """`shot(page, name)`: the full page as `name` in this run's screenshot folder."""

    def take(page: Any, name: str) -> None:
        page.wait_for_timeout(300)  # let the fade-in finish before the picture
        page.screenshot(path=str(screenshots / name), full_page=True)

    return take


@pytest.mark.timeout(180)
def test_a_conflict_is_shown_as_sources_disagree(page: Any, live_server: Any, shot: Shot) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        api_answer = http.post("/v1/ask", json={"question": CONFLICT}).json()
    assert api_answer["status"] == "answered" and api_answer["conflicts"]

    page.goto(live_server.url + "/")
    page.fill("#question", CONFLICT)
    page.press("#question", "Enter")
    expect(page.locator("#status")).to_have_text("sources disagree", timeout=60_000)
    expect(page.locator("#status")).to_have_class("badge conflict")
    expect(page.locator("#conflicts")).to_be_visible()
    (conflict,) = api_answer["conflicts"]
    rows = page.locator(f'#conflict-list .conflict[data-quantity="{conflict["quantity"]}"] li')
    expect(rows).to_have_count(len(conflict["values"]))
    for row, value in zip(rows.all(), conflict["values"], strict=True):
        assert row.locator(".value").text_content() == value["value"]
        chips = [
            int(m) for m in row.locator(".chip").evaluate_all("cs => cs.map(c => c.dataset.marker)")
        ]
        assert chips == value["citations"]
    shot(page, "conflict.png")
    rows.first.locator(".chip").first.click()
    mark = page.locator("#doc-text mark")
    expect(mark).to_contain_text(conflict["values"][0]["value"])


@pytest.mark.timeout(120)
def test_a_long_pasted_question_is_counted_and_refused_not_cut(
    page: Any, live_server: Any, shot: Shot
) -> None:
    from playwright.sync_api import expect

    limit = live_server.settings.api.max_question_chars
    words = "Why was the Ant IPO suspended, and what did the regulators ask? " * 40
    question = words[: limit + 199] + "?"
    page.goto(live_server.url + "/")
    expect(page.locator("#char-count")).to_have_text(f"0 / {limit:,}")
    page.focus("#question")
    page.keyboard.insert_text(question)  # what a paste does
    assert page.input_value("#question") == question  # nothing cut
    expect(page.locator("#char-count")).to_have_text(f"{limit + 200:,} / {limit:,}")
    message = page.locator("#limit-message")
    n = f"{limit + 200:,}"
    expect(message).to_have_text(
        f"The question is {n} characters long; the limit is {limit:,}. Shorten it to ask."
    )
    page.press("#question", "Enter")
    page.click("#ask-button")
    page.wait_for_timeout(500)
    expect(page.locator("#answer")).to_be_hidden()
    assert page.evaluate("window.citedRag.state.answer") is None
    shot(page, "question-over-the-limit.png")
    page.fill("#question", question[: limit - 1] + "?")
    expect(message).to_be_hidden()
    expect(page.locator("#char-count")).to_have_text(f"{limit:,} / {limit:,}")


@pytest.mark.timeout(120)
def test_the_counter_uses_the_servers_limit(browser: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    server = live_server.start(max_question_chars=40)
    pg = browser.new_page()
    try:
        pg.goto(server.url + "/")
        pg.fill("#question", "Why was the Ant IPO suspended in November?")
        expect(pg.locator("#char-count")).to_have_text("42 / 40")
        expect(pg.locator("#limit-message")).to_be_visible()
    finally:
        pg.close()


@pytest.mark.timeout(120)
def test_a_question_without_letters_gets_a_plain_sentence(
    page: Any, live_server: Any, shot: Shot
) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    page.fill("#question", "🐜 🐜")
    page.press("#question", "Enter")
    expect(page.locator("#error")).to_have_text(
        "question: must contain at least one letter or digit"
    )
    shot(page, "no-letters.png")


@pytest.mark.timeout(180)
def test_a_saved_html_briefing_jumps_to_its_references(
    browser: Any, live_server: Any, tmp_path: Path, shot: Shot
) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        body = {"topic": "the regulatory crackdown on Ant Group", "format": "html"}
        saved = tmp_path / "briefing.html"
        saved.write_text(http.post("/v1/briefings", json=body).text, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    try:
        pg.goto(saved.as_uri())
        cite = pg.locator("p.summary a.cite").first
        marker = cite.text_content().strip("[]")
        cite.click()
        assert pg.evaluate("location.href") == f"{saved.as_uri()}#ref-{marker}"
        entry = pg.locator(f"#ref-{marker}")
        expect(entry).to_be_in_viewport()
        assert cite.get_attribute("title") in entry.text_content()
        shot(pg, "saved-briefing-reference.png")
    finally:
        context.close()
    assert requests == [saved.as_uri()]
