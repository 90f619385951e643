"""Rendering logic on a hand-made briefing (no index): the header, undated events kept apart,
numbering in order of first use, the print stylesheet and the PDF. The real briefing is
rendered in test_briefer.py and over HTTP in tests/api/routes/test_briefings.py."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.briefing.header import filters_text, generated_text, scope_text
from rag.briefing.numbering import first_use_order, renumber
from rag.briefing.pdf import to_pdf
from rag.briefing.render import to_html, to_markdown
from rag.briefing.timeline import split_undated
from rag.briefing.types import (
    Briefing,
    FigureValue,
    KeyFigure,
    Reference,
    Scope,
    Section,
    TimelineEntry,
    utc_now,
)
from rag.text.dates import find_dates, resolve
from rag.types import AnswerSentence, Citation, Conflict

DOCS = {
    "a": "Ant Group halted its IPO in early November. Regulators met Ant on Sunday.",
    "b": "The IPO would have raised $34.5 billion. Jack Ma was summoned on 2 November 2020.",
}


def _cite(marker: int, doc: str, sentence: int) -> Citation:
    text = DOCS[doc]
    cuts = [0, *(m.end() + 1 for m in re.finditer(r"\.", text))]
    start, end = cuts[sentence], cuts[sentence + 1] - 1
    return Citation(marker, doc, start, end, text[start:end], 0.9)


def _s(text: str, *markers: int) -> AnswerSentence:
    return AnswerSentence(text, list(markers), 1.0)


def _entry(text: str, published: dt.date | None, s: AnswerSentence, doc: str) -> TimelineEntry:
    return TimelineEntry(resolve(find_dates(text)[0], published), s, [doc])


def _briefing() -> Briefing:
    """Markers in the order a citer might give them, not the order a reader meets them."""
    cites = [_cite(3, "a", 0), _cite(1, "b", 1), _cite(4, "a", 1), _cite(2, "b", 0)]
    cites.append(_cite(5, "b", 0))  # cited, then its sentence was dropped: no number
    value = FigureValue("$34.5 billion", "34500000000", "b", _s(DOCS["b"][:40], 2))
    note = _s("The sources differ on this figure.", 1, 2)
    entries = [
        _entry("on 2 November 2020", None, _s("Jack Ma was summoned.", 1), "b"),
        _entry("on Sunday", None, _s("Regulators met Ant on Sunday.", 4), "a"),
    ]
    timeline, undated = split_undated(entries)
    refs = [
        Reference("a", "Ant halts IPO", None, [], "https://news.example.org/ant"),
        Reference("b", "Ma summoned <b>", "2020-11-03", []),
    ]
    return Briefing(
        topic="the Ant Group IPO",
        title="Briefing: The Ant Group IPO",
        status="briefed",
        summary=[_s("Ant Group halted its IPO.", 3)],
        sections=[Section("what", "What happened", [_s("The IPO was large.", 1, 3)])],
        timeline=timeline,
        key_figures=[KeyFigure("IPO size", [value], True, note)],
        conflicts=[Conflict("IPO size", [{"value": "$34.5 billion", "citations": [2]}])],
        citations=cites,
        references=refs,
        timings_ms={},
        max_sentences=6,
        undated=undated,
        generated_at="2026-12-02T04:50:07Z",
    )


def test_relative_dates_without_a_year_are_kept_out_of_the_timeline() -> None:
    b = _briefing()
    assert [e.date.iso for e in b.timeline] == ["2020-11-02"]
    assert [e.sentence.text for e in b.undated] == ["Regulators met Ant on Sunday."]
    md, page = to_markdown(b), to_html(b)
    timeline = md.split("## Timeline")[1].split("## ")[0]
    assert "2 November 2020" in timeline and "Sunday" not in timeline
    assert "## Mentioned without a date" in md and "Sunday (unresolved" in md
    assert '<ul class="timeline undated">' in page
    assert b.to_dict()["undated"][0]["resolved"] is False


def test_markers_are_renumbered_in_order_of_first_use() -> None:
    before = _briefing()
    assert first_use_order(before) == [3, 1, 4, 2]  # 5 is used by no sentence
    b = renumber(before)
    assert first_use_order(b) == [1, 2, 3, 4]
    assert [c.marker for c in b.citations] == [1, 2, 3, 4]
    assert all(c.quote == DOCS[c.doc_id][c.start : c.end] for c in b.citations)
    old = {c.marker: c for c in before.citations}
    new = {c.marker: c for c in b.citations}
    for (_, x), (_, y) in zip(before.sentences(), b.sentences(), strict=True):
        assert [old[n].quote for n in x.citations] == [new[n].quote for n in y.citations]
    assert b.conflicts[0].values[0]["citations"] == b.key_figures[0].values[0].context.citations
    assert [(r.doc_id, [c.marker for c in r.citations]) for r in b.references] == [
        ("a", [1, 3]),
        ("b", [2, 4]),
    ]
    md = to_markdown(b)
    body = md.split("## References")[0]
    seen = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", body)))
    assert seen == [1, 2, 3, 4]  # as a reader meets them, figures and notes included


@given(st.lists(st.lists(st.integers(1, 9), max_size=3), min_size=1, max_size=8))
def test_renumbering_any_marker_pattern_gives_one_to_n(markers: list[list[int]]) -> None:
    cites = [_cite(m, "a", m % 2) for m in range(1, 10)]
    b = replace(
        _briefing(),
        summary=[_s("x.", *ms) for ms in markers],
        sections=[],
        timeline=[],
        undated=[],
        key_figures=[],
        conflicts=[],
        citations=cites,
    )
    r = renumber(b)
    used = first_use_order(r)
    assert used == list(range(1, len(used) + 1)) == [c.marker for c in r.citations]


def test_header_has_topic_generated_time_and_scope() -> None:
    b = renumber(_briefing())
    md, page = to_markdown(b), to_html(b)
    assert md.startswith("# Briefing: The Ant Group IPO\n\n**Topic:** the Ant Group IPO")
    assert "**Generated:** 2 December 2026, 04:50 UTC" in md
    assert "**Scope:** 2 sources, published 3 November 2020 (1 undated)" in md
    assert "<dt>Scope</dt><dd>2 sources, published 3 November 2020 (1 undated)</dd>" in page
    assert b.to_dict()["scope"] == {
        "sources": 2,
        "first_published": "2020-11-03",
        "last_published": "2020-11-03",
        "undated_sources": 1,
    }
    assert scope_text(Scope(0, None, None, 0)) == "no sources"
    assert scope_text(Scope(1, None, None, 1)) == "1 source, undated"
    assert generated_text(utc_now()).endswith(" UTC")
    f = {"doc_ids": ["a"], "published_from": "2020-11-01"}
    assert filters_text(f) == "documents a; published from 1 November 2020"


def test_references_show_titles_dates_and_source_urls() -> None:
    b = renumber(_briefing())
    md, page = to_markdown(b), to_html(b)
    assert "- **Ant halts IPO** (undated) — `a` — <https://news.example.org/ant>" in md
    assert r"- **Ma summoned \<b\>** (published 2020-11-03) — `b`" in md
    assert '<a href="https://news.example.org/ant">source</a>' in page
    assert "Ma summoned &lt;b&gt;" in page and "<b>" not in page


def test_the_page_has_a_print_stylesheet_and_loads_nothing() -> None:
    page = to_html(renumber(_briefing()))
    style = page.split("<style>")[1].split("</style>")[0]
    printed = style.split("@media print{")[1]
    assert "box-shadow:none" in printed and "break-after:avoid" in printed
    assert 'a[href]:not([href^="#"])::after{content:" <" attr(href) ">"' in printed
    assert "@page" in style and "@media screen and (max-width:40rem)" in style
    assert not re.search(r"<script|<link|\bsrc=|@import|url\(", page)


def test_pdf_is_a_real_pdf_with_the_topic_and_references(caplog: pytest.LogCaptureFixture) -> None:
    pypdf = pytest.importorskip("pypdf")
    data = to_pdf(renumber(_briefing()))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "The Ant Group IPO" in text and "Ant halts IPO" in text
    assert "<https://news.example.org/ant>" in text  # printed links show their URL


def test_markup_in_a_title_stays_text_in_the_pdf() -> None:
    """No image is fetched or embedded for a title that smuggles an <img>."""
    b = renumber(_briefing())
    evil = replace(b.references[0], title='<img src="file:///etc/passwd">')
    data = to_pdf(replace(b, references=[evil, b.references[1]]))
    assert data.startswith(b"%PDF-") and b"/Subtype /Image" not in data


def test_without_weasyprint_pdf_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.errors import MAPPING
    from rag.briefing.pdf import PdfUnavailable

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if not installed
    with pytest.raises(PdfUnavailable, match=r"PDF export needs WeasyPrint"):
        to_pdf(_briefing())
    assert MAPPING[PdfUnavailable][:2] == (501, "pdf-unavailable")
