"""Briefings on the real corpus and index: structure, dates, figures, verification, rendering.

Date parsing and resolution are unit logic and run without the index; everything else uses
the session's built engine (real model, real index).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rag.answer.llm
from cli.main import main as cli_main
from rag.answer.claims import Claim
from rag.answer.scored import ScoredSentence
from rag.answer.verify import Verifier
from rag.briefing.evidence import subject_of
from rag.briefing.pieces import stands_alone
from rag.briefing.render import to_html, to_markdown
from rag.briefing.types import NOT_COVERED, Briefing
from rag.engine import Engine
from rag.search.filters import QueryError
from rag.text.dates import find_dates, resolve
from rag.text.facts import missing_facts
from rag.types import AnswerSentence, Citation

ANT = "the regulatory crackdown on Ant Group"
ECB = "the European Central Bank's interest rate decisions"
DOC_000, DOC_001, DOC_003 = "000_341026f71ce0a6ab", "001_1588505dcf2d46fe", "003_80a24d3b298a0e19"
FACTS_ONLY = re.compile(r"^The sources differ on this figure")


# -- dates (unit logic) ------------------------------------------------------------------------
def _resolved(text: str, published: dt.date | None) -> list[tuple[str | None, str]]:
    return [(r.iso, r.display) for r in (resolve(m, published) for m in find_dates(text))]


D1228, D1222 = dt.date(2020, 12, 28), dt.date(2020, 12, 22)
DATE_CASES: list[tuple[str, dt.date | None, list[tuple[str | None, str]]]] = [
    ("a meeting on Saturday, December 26th, ...", D1228, [("2020-12-26", "26 December 2020")]),
    ("inquiries that suspended its IPO in early November.", D1222,
     [("2020-11", "early November 2020 (approx.)")]),
    ("In early November, the IPO, originally set for November 5th.", None,
     [("--11", "early November (year not stated)"), ("--11-05", "5 November (year not stated)")]),
    ("Pan Gongsheng said on Sunday that", None, [(None, "Sunday (unresolved: article undated)")]),
    ("He said on Sunday that", D1228, [("2020-12-27", "27 December 2020 (Sunday)")]),
    ("It spoke on December 31.", dt.date(2021, 1, 4), [("2020-12-31", "31 December 2020")]),
    ("A meeting is planned for January 5.", D1222, [("2021-01-05", "5 January 2021")]),
    ("It halted the IPO last November.", dt.date(2020, 11, 20),
     [("2019-11", "November 2019 (approx.)")]),
    ("Since the beginning of November, ...", D1228,
     [("2020-11", "since early November 2020 (approx.)")]),
    ("Xi spoke this week.", D1222, [("2020-W52", "week of 21 December 2020 (approx.)")]),
    ("Xi spoke this week.", None, [(None, "this week (unresolved: article undated)")]),
    ("The record was set on 5 March 2019.", None, [("2019-03-05", "5 March 2019")]),
    ("Ant may not meet the requirements.", D1222, []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "published", "expected"), DATE_CASES)
def test_dates_resolve_against_the_published_date(
    text: str, published: dt.date | None, expected: list[tuple[str | None, str]]
) -> None:
    assert _resolved(text, published) == expected


def test_approximate_and_unresolved_dates_are_marked() -> None:
    early = resolve(find_dates("in early November")[0], dt.date(2020, 12, 22))
    assert early.approximate and early.resolved and early.precision == "part-of-month"
    day = resolve(find_dates("on Saturday, December 26th")[0], dt.date(2020, 12, 28))
    assert not day.approximate and day.resolved and day.basis == "article date"
    undated = resolve(find_dates("on Sunday")[0], None)
    assert not undated.resolved and undated.iso is None and undated.basis == "article undated"
    no_year = resolve(find_dates("on December 31")[0], None)
    assert not no_year.resolved and no_year.sort_key is None


PHRASES = [
    *("on Saturday, December 26th", "in early November", "last November", "this week"),
    *("since December", "on 5 March 2019", "on Monday", "Jan. 3", "by the end of June"),
    *("in early november", "MID-MAY", "on 31 February", "Sept. 4, 2021", "the 3rd of May"),
]


@given(
    st.lists(
        st.one_of(st.sampled_from(PHRASES), st.text(alphabet="abc XYZ,.;-’\n", max_size=12)),
        max_size=8,
    )
)
def test_date_mentions_have_exact_offsets(parts: list[str]) -> None:
    text = " ".join(parts)
    mentions = find_dates(text)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(mentions))


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Ant announced that it will set up a rectification working group.", True),
        ("It may seem minor, but it is a large part of the company’s activities.", False),
        ("“We appreciate the advice and help from the financial regulators.", False),
        ("In a statement, she said she would do anything to meet the expectations:", False),
        ("Strictly implement supervision.", False),
        ("“Ant has voluntarily withdrawn the products,” said Ant Group in a statement.", True),
    ],
)
def test_only_stand_alone_sentences_are_extracted(text: str, ok: bool) -> None:
    assert stands_alone(text) is ok


def test_subject_is_the_topics_main_name() -> None:
    assert subject_of(ANT) == "Ant Group"
    assert subject_of("Xi Jinping's call to regulate platforms") == "Xi Jinping"


# -- the Ant briefing on the real index ----------------------------------------------------------
@pytest.fixture(scope="module")
def ant(built_engine: Engine) -> Briefing:
    briefing: Briefing = built_engine.brief(ANT)
    return briefing


def _quotes(engine: Engine, b: Briefing, s: AnswerSentence) -> list[str]:
    by_marker = {c.marker: c for c in b.citations}
    return [by_marker[n].quote for n in s.citations]


@pytest.mark.slow
def test_ant_briefing_has_title_summary_and_sections(ant: Briefing) -> None:
    assert ant.status == "briefed"
    assert ant.title == "Briefing: The regulatory crackdown on Ant Group"
    assert 2 <= len(ant.summary) <= 3
    assert len(ant.sections) >= 3
    assert all(1 <= len(s.sentences) <= 3 for s in ant.sections)
    assert len({s.key for s in ant.sections}) == len(ant.sections)
    assert ant.mode == "extractive" and ant.fallback_reason is None


@pytest.mark.slow
def test_every_sentence_is_verified_with_exact_spans(built_engine: Engine, ant: Briefing) -> None:
    verifier = Verifier(built_engine.embedder, built_engine.settings.answer.support_threshold)
    markers = [c.marker for c in ant.citations]
    assert markers == list(range(1, len(markers) + 1))
    for c in ant.citations:
        assert built_engine.document(c.doc_id).text[c.start : c.end] == c.quote
    sentences = ant.sentences()
    assert len(sentences) >= 10
    for part, s in sentences:
        assert s.citations, f"uncited {part} sentence: {s.text}"
        assert set(s.citations) <= set(markers)
        quotes = _quotes(built_engine, ant, s)
        if FACTS_ONLY.match(s.text):
            assert not missing_facts(s.text, " ".join(quotes))
        else:
            assert verifier.check(s.text, quotes).supported, (part, s.text)
    # every citation is used, and every reference span is a citation
    assert {n for _, s in sentences for n in s.citations} == set(markers)
    assert sorted(c.marker for r in ant.references for c in r.citations) == markers


@pytest.mark.slow
def test_a_fact_appears_once(built_engine: Engine, ant: Briefing) -> None:
    prose = [s.text for s in ant.summary] + [s.text for x in ant.sections for s in x.sentences]
    shown = prose + [e.sentence.text for e in ant.timeline]
    assert len(shown) == len(set(shown))
    vecs = built_engine.embedder.embed(shown)
    sims = vecs @ vecs.T
    for i in range(len(shown)):
        for j in range(i + 1, len(shown)):
            assert sims[i, j] <= 0.85, (shown[i], shown[j])


@pytest.mark.slow
def test_timeline_has_the_ipo_suspension_and_the_december_26_meeting(ant: Briefing) -> None:
    ipo_text = re.compile(r"suspend.*(?:IPO|Initial Public Offering)")
    (ipo,) = [e for e in ant.timeline if ipo_text.search(e.sentence.text)]
    assert ipo.date.iso == "2020-11" and ipo.date.display == "early November 2020 (approx.)"
    assert ipo.date.approximate and ipo.date.precision == "part-of-month"
    assert DOC_000 in ipo.doc_ids  # reported undated there, resolved by a dated report
    (meeting,) = [e for e in ant.timeline if e.date.iso == "2020-12-26"]
    assert not meeting.date.approximate and meeting.doc_ids == [DOC_001]
    assert "central bank" in meeting.sentence.text
    keys = [e.date.sort_key for e in ant.timeline if e.date.sort_key]
    assert keys == sorted(keys)
    # dates with no known year are kept apart, and say why
    assert all(e.date.resolved for e in ant.timeline)
    sunday = [e for e in ant.undated if e.date.as_written.lower().endswith("sunday")]
    assert sunday and not sunday[0].date.resolved and sunday[0].date.iso is None
    for e in ant.undated:
        assert "not stated" in e.date.display or "unresolved" in e.date.display


@pytest.mark.slow
def test_citation_numbers_follow_first_use_over_the_whole_rendered_briefing(ant: Briefing) -> None:
    parts = {part.split(":")[0] for part, _ in ant.sentences()}
    assert {"summary", "section", "timeline", "undated", "key_figures"} <= parts
    for text in (to_markdown(ant), to_html(ant)):
        body = re.split(r"## References|<h2>References</h2>", text)[0]
        read = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", body)))
        assert read == [c.marker for c in ant.citations] == list(range(1, len(read) + 1))
    firsts = [r.citations[0].marker for r in ant.references]
    assert firsts == sorted(firsts)


@pytest.mark.slow
def test_ipo_figures_are_shown_as_a_disagreement(ant: Briefing) -> None:
    disputed = [k for k in ant.key_figures if k.disputed]
    assert len(disputed) == 1
    values = {(v.doc_id, v.value) for v in disputed[0].values}
    assert values == {(DOC_000, "$ 37 billion"), (DOC_003, "$34.5 billion")}
    note = disputed[0].note
    assert note is not None and "$ 37 billion" in note.text and "$34.5 billion" in note.text
    assert len(ant.conflicts) == 1
    assert {v["value"] for v in ant.conflicts[0].values} == {"$ 37 billion", "$34.5 billion"}
    for v in disputed[0].values:
        assert v.value in v.context.text


@pytest.mark.slow
def test_key_figures_say_what_they_measure_and_leave_out_other_subjects(
    built_engine: Engine, ant: Briefing
) -> None:
    labels = [k.quantity for k in ant.key_figures]
    assert "IPO size" in labels and "amount" not in labels, labels
    values = {v.value for k in ant.key_figures for v in k.values}
    assert "$ 29.4 billion" not in values  # Saudi Aramco's record is not one of Ant's figures
    assert ant.conflicts[0].quantity == "IPO size"
    by_marker = {c.marker: c for c in ant.citations}
    for k in ant.key_figures:
        for v in k.values:
            for m in v.context.citations:
                c = by_marker[m]
                assert built_engine.document(c.doc_id).text[c.start : c.end] == c.quote
    assert "| IPO size (sources differ) |" in to_markdown(ant)


@pytest.mark.slow
def test_off_corpus_topic_is_not_covered(built_engine: Engine) -> None:
    b = built_engine.brief(ECB)
    assert b.status == "not_covered"
    assert b.sentences() == [] and b.citations == [] and b.references == []
    md = to_markdown(b)
    head, body = md.split("**Scope:** no sources\n")
    assert NOT_COVERED in body and len(body.strip().splitlines()) <= 3
    assert head.count("\n") == 4  # title, blank line, topic, generated
    assert b.to_dict()["summary"]["text"] == NOT_COVERED


@pytest.mark.slow
def test_max_sentences_bounds_the_prose(built_engine: Engine) -> None:
    b = built_engine.brief(ANT, max_sentences=4)
    prose = len(b.summary) + sum(len(s.sentences) for s in b.sections)
    assert 1 <= prose <= 4
    with pytest.raises(QueryError):
        built_engine.brief(ANT, max_sentences=0)


@pytest.mark.slow
def test_filters_choose_the_documents(built_engine: Engine) -> None:
    only = built_engine.brief(ANT, filters={"doc_ids": [DOC_001]})
    assert only.status == "briefed" and {c.doc_id for c in only.citations} == {DOC_001}
    dated = built_engine.brief(ANT, filters={"published_from": "2020-12-25"})
    assert {c.doc_id for c in dated.citations} == {DOC_001}
    assert dated.filters == {"published_from": "2020-12-25"}
    none = built_engine.brief(ANT, filters={"doc_ids": []})
    assert none.status == "not_covered"


class HookWriter:
    """A (topic, heading, evidence) -> claims function as a ClaimWriter."""

    mode = "llm:custom"

    def __init__(self, hook: Any) -> None:
        self.hook = hook

    def write(self, question: str, evidence: Any, max_n: int, lead_rows: Any = ()) -> list[Claim]:
        heading, _, topic = question.partition(": ")
        claims: list[Claim] = self.hook(topic, heading, list(evidence))
        return claims


# -- the LLM hook --------------------------------------------------------------------------------
@pytest.mark.slow
def test_llm_hook_phrases_sections_and_is_verified(built_engine: Engine) -> None:
    calls: list[str] = []

    def phraser(topic: str, heading: str, cands: list[ScoredSentence]) -> list[Claim]:
        calls.append(heading)
        c = cands[0]
        good = Claim(c.text.strip(), ((c.doc_id, c.start, c.end),), c.score)
        bad = Claim("Ant raised $99 billion from Martian investors.", good.spans, c.score)
        return [bad, good]

    b = built_engine.brief(ANT, writer=HookWriter(phraser))
    assert calls and b.mode == "llm:custom"
    texts = [s.text for _, s in b.sentences()]
    assert not any("Martian" in t for t in texts)  # unsupported: dropped by the verifier
    assert any(s.mode == "llm:custom" for s in b.sections)


@pytest.mark.slow
def test_failing_llm_hook_falls_back_to_extraction(built_engine: Engine) -> None:
    def broken(topic: str, heading: str, cands: list[ScoredSentence]) -> list[Claim]:
        raise TimeoutError("the model did not answer")

    b = built_engine.brief(ANT, writer=HookWriter(broken))
    assert b.mode == "extractive" and b.fallback_reason
    assert "did not answer" in b.fallback_reason
    assert len(b.sections) >= 3


@pytest.mark.slow
def test_llm_option_with_an_unloadable_backend_falls_back(
    built_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LLM writers are built with the engine now, so "the module cannot be imported" can no
    # longer happen at request time; what can is a backend that cannot be loaded.
    def missing(*args: Any, **kwargs: Any) -> Any:
        raise ImportError("No module named 'xllamacpp'")

    monkeypatch.setattr(rag.answer.llm, "make_llm", missing)
    b = built_engine.brief(ANT, llm="local")
    assert b.mode == "extractive" and b.fallback_reason and "xllamacpp" in b.fallback_reason
    assert b.status == "briefed"


# -- output --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_json_has_the_answer_shapes(ant: Briefing) -> None:
    d = json.loads(json.dumps(ant.to_dict()))
    sentence_keys = {f.name for f in dataclasses.fields(AnswerSentence)}
    citation_keys = {f.name for f in dataclasses.fields(Citation)}
    assert {c.keys() == citation_keys for c in d["citations"]} == {True}
    assert all(sentence_keys <= s.keys() for s in d["sentences"])
    assert all(sentence_keys == s.keys() for s in d["summary"]["sentences"])
    for key in ("title", "sections", "timeline", "key_figures", "references", "conflicts"):
        assert d[key]
    ref = d["references"][0]
    assert {"doc_id", "title", "published", "spans"} <= ref.keys()
    span = ref["spans"][0]
    assert span["link"] == f"/#doc={ref['doc_id']}&start={span['start']}&end={span['end']}"
    assert re.search(r"\[\d+\]", d["sections"][0]["text"])


@pytest.mark.slow
def test_markdown_has_markers_and_references(ant: Briefing) -> None:
    md = to_markdown(ant)
    assert md.startswith("# Briefing: The regulatory crackdown on Ant Group")
    for heading in ("## Summary", "## Timeline", "## Key figures", "## References"):
        assert heading in md
    for c in ant.citations:
        assert f"[{c.marker}]" in md
        assert f"[{c.marker}] “{' '.join(c.quote.split())}”" in md


@pytest.mark.slow
def test_html_is_self_contained_and_cites_its_own_references(ant: Briefing) -> None:
    page = to_html(ant)
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"https?://|<script|<link|\bsrc=|@import|url\(", page)
    assert "/#doc=" not in page  # a saved file has no server behind it
    hrefs = re.findall(r'href="([^"]*)"', page)
    ids = re.findall(r'id="([^"]*)"', page)
    assert {h[1:] for h in hrefs} == set(ids) == {f"ref-{c.marker}" for c in ant.citations}
    assert len(ids) == len(set(ids))
    for c in ant.citations:  # [n] in the text jumps to the entry that quotes its span
        entry = re.search(rf'<li id="ref-{c.marker}" value="{c.marker}">(.*?)</li>', page)
        assert entry and html.escape(" ".join(c.quote.split())) in entry[1]
        assert f"characters {c.start}–{c.end}" in entry[1]


@pytest.mark.slow
def test_html_and_markdown_link_documents_on_a_configured_base_url(ant: Briefing) -> None:
    base = "https://news.example.org/rag/"
    page, md = to_html(ant, base), to_markdown(ant, base)
    assert not re.search(r"<script|<link|\bsrc=|@import|url\(", page)
    for c in ant.citations:
        url = f"https://news.example.org/rag/#doc={c.doc_id}&start={c.start}&end={c.end}"
        assert page.count(f'href="{html.escape(url)}"') == 1
        assert f'href="#ref-{c.marker}"' in page
        assert f"[characters {c.start}–{c.end}](<{url}>)" in md
    assert len(re.findall(r"https?://", page)) == len(ant.citations)
    assert "http" not in to_markdown(ant)


@pytest.mark.slow
def test_cli_prints_a_briefing(built_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    paths: list[Any] = ["--corpus", str(built_engine.settings.corpus.dir)]
    paths += ["--index", str(Path(built_engine.settings.index.dir))]
    assert cli_main(["brief", ANT, *paths]) == 0
    assert capsys.readouterr().out.startswith("# Briefing: The regulatory crackdown")
    assert cli_main(["brief", ANT, "--format", "json", "--max-sentences", "5", *paths]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "briefed" and d["max_sentences"] == 5
    assert cli_main(["brief", ECB, "--format", "html", *paths]) == 0
    assert NOT_COVERED in capsys.readouterr().out
    assert cli_main(["brief", ANT, "--since", "31/12/2020", *paths]) == 2


@pytest.mark.slow
def test_cli_html_briefing_links_documents_on_the_configured_base_url(
    built_engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = ["--corpus", str(built_engine.settings.corpus.dir)]
    paths += ["--index", str(built_engine.settings.index.dir)]
    monkeypatch.setenv("RAG_API__DOCUMENT_BASE_URL", "https://news.example.org")
    assert cli_main(["brief", ANT, "--format", "html", *paths]) == 0
    page = capsys.readouterr().out
    assert 'href="#ref-1"' in page and 'href="https://news.example.org/#doc=' in page


@pytest.mark.slow
def test_cli_writes_a_pdf_briefing(
    built_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypdf import PdfReader

    paths = ["--corpus", str(built_engine.settings.corpus.dir)]
    paths += ["--index", str(built_engine.settings.index.dir)]
    out = tmp_path / "ant.pdf"
    assert cli_main(["brief", ANT, "-o", str(out), *paths]) == 0  # the suffix chooses PDF
    assert "wrote" in capsys.readouterr().err
    assert out.read_bytes().startswith(b"%PDF-") and not list(tmp_path.glob(".*.tmp"))
    reader = PdfReader(out)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert len(reader.pages) >= 1 and "The regulatory crackdown on Ant Group" in text
    named = tmp_path / "brief.bin"
    assert cli_main(["brief", ANT, "--format", "pdf", "-o", str(named), *paths]) == 0
    assert named.read_bytes().startswith(b"%PDF-")


def test_cli_refuses_to_print_a_pdf_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert cli_main(["brief", ANT, "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: error: a PDF goes to a file") and "Traceback" not in err
