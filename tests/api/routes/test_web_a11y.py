"""Accessibility and the phone, in real headless Chromium: axe-core (vendored, run offline)
finds no serious or critical violation in the light or dark scheme at 1280x900 or 390x844;
the document view on a phone is a dialog that takes focus and gives it back; the live region
is the answer text alone and is busy while it streams; touch targets; reduced motion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browsing import CHROMIUM, SIZES, shot

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
QUESTION = "How much would Ant's IPO have raised?"  # an answer with a conflict block too
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _axe(page: Any) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _new_page(
    browser: Any, size: str, scheme: str = "light", motion: str = "no-preference"
) -> tuple[Any, Any]:
    w, h = SIZES[size]
    # bypass_csp: axe-core is injected as a script, which the page's own CSP would refuse
    context = browser.new_context(
        viewport={"width": w, "height": h},
        color_scheme=scheme,
        reduced_motion=motion,
        bypass_csp=True,
    )
    return context, context.new_page()


def _ask(page: Any) -> None:
    from playwright.sync_api import expect

    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    expect(page.locator("#answer-text .chip").first).to_be_visible(timeout=60_000)
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false")


@pytest.mark.timeout(400)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(browser: Any, live_server: Any, scheme: str) -> None:
    from playwright.sync_api import expect

    for size in SIZES:
        context, page = _new_page(browser, size, scheme)
        context.set_default_timeout(20_000)
        page.goto(live_server.url + "/")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
            scheme == "dark"
        )
        assert _axe(page) == [], f"empty page, {size}, {scheme}"
        page.click("#filters summary")
        _ask(page)
        page.hover("#answer-text .chip >> nth=0")
        assert _axe(page) == [], f"answer, {size}, {scheme}"
        shot(page, f"a11y-answer-{size}-{scheme}")
        page.click("#answer-text .chip >> nth=0")
        expect(page.locator("#doc-text mark")).to_have_count(1)
        assert _axe(page) == [], f"document open, {size}, {scheme}"
        shot(page, f"a11y-document-{size}-{scheme}")
        context.close()


@pytest.mark.timeout(240)
def test_the_document_on_a_phone_is_a_dialog_that_gives_focus_back(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    context, page = _new_page(browser, "phone")
    page.goto(live_server.url + "/")
    _ask(page)
    chip = page.locator("#answer-text .chip").first
    chip.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#doc-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(panel).to_have_attribute("aria-modal", "true")
    expect(page.locator("#doc-close")).to_be_focused()
    box = panel.bounding_box()
    assert box["width"] >= 360 and box["height"] >= 800  # it covers the screen
    for _ in range(3):  # Tab stays inside the dialog
        page.keyboard.press("Tab")
        inside = "document.getElementById('doc-panel').contains(document.activeElement)"
        assert page.evaluate(inside)
    shot(page, "a11y-dialog-phone")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(chip).to_be_focused()
    context.close()

    context, page = _new_page(browser, "desktop")  # beside the answer, not modal, on a desktop
    page.goto(live_server.url + "/")
    _ask(page)
    page.locator("#answer-text .chip").first.click()
    expect(page.locator("#doc-panel")).to_be_visible()
    assert page.locator("#doc-panel").get_attribute("role") is None
    context.close()


@pytest.mark.timeout(240)
def test_live_region_targets_logo_and_motion(browser: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    context, page = _new_page(browser, "phone", motion="reduce")
    page.goto(live_server.url + "/")
    # the logo keeps its square at 390 px
    logo = page.locator(".logo").bounding_box()
    assert logo["width"] == logo["height"] == 42
    page.evaluate(
        """() => {
          window.busy = [];
          const t = document.getElementById('answer-text');
          new MutationObserver(() => window.busy.push(t.getAttribute('aria-busy')))
            .observe(t, {attributes: true, attributeFilter: ['aria-busy']});
        }"""
    )
    _ask(page)
    busy = page.evaluate("window.busy")
    assert busy[0] == "true" and busy[-1] == "false"
    live = page.evaluate(
        "[...document.querySelectorAll('[aria-live]')]"
        ".map(e => [e.id, e.getAttribute('aria-live')])"
    )
    assert live == [["answer-text", "polite"]]  # not the badge, the timings or the sources
    # touch targets: every visible control is at least 24x24 px, the main ones 44 px tall
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], input, select, summary')]
          .filter(e => e.offsetParent !== null)
          .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
          .filter(([, r]) => r.width < 24 || r.height < 24)
          .map(([n, r]) => `${n} ${r.width}x${r.height}`)"""
    )
    assert small == [], small
    for main in ["#ask-button", "#copy-answer", "#brief-button"]:
        assert page.locator(main).bounding_box()["height"] >= 44
    # reduced motion: the sentences do not fade in
    animation = page.locator("#answer-text .sentence").first.evaluate(
        "e => getComputedStyle(e).animationName"
    )
    assert animation == "none"
    expect(page.locator("#answer-text")).to_have_attribute("aria-busy", "false")
    shot(page, "a11y-phone-reduced-motion")
    context.close()
