"""A briefing as Markdown (with [n] markers and references) or as one self-contained HTML page.

The HTML has its styles inline and makes no request of its own, so a saved or forwarded file
still works: each [n] jumps to its quote in the references (`#ref-<n>`). Given a
`document_base_url` (settings.api.document_base_url: where the web page is public), each
reference also links to its span in the page's document view
(`<base>/#doc=<doc_id>&start=<start>&end=<end>`); without one there is no external link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from rag.briefing.header import header_lines
from rag.briefing.style import CSS
from rag.briefing.types import (
    NOT_COVERED,
    Briefing,
    KeyFigure,
    TimelineEntry,
    link,
    with_markers,
)
from rag.text.voice import show_markers
from rag.types import AnswerSentence, Citation


def _published(p: str | None) -> str:
    return f"published {p}" if p else "undated"


def _one_line(text: str) -> str:
    return " ".join(text.split())


MD_SPECIAL = re.compile(r"([\\`\[\]<>&|*_])")


def md_text(text: str) -> str:
    r"""Document text for Markdown: one line, its punctuation backslash-escaped so a document
    cannot add raw HTML (`<img onerror>`), links, images, code or table cells.

    >>> print(md_text("a <img src=x> [x](javascript:y) & b"))
    a \<img src=x\> \[x\](javascript:y) \& b
    """
    return MD_SPECIAL.sub(r"\\\1", _one_line(text))


def _quote(text: str) -> str:
    """A quote for people: exact, but a document's own [2] shows as ⟨2⟩ (rag.text.voice)."""
    return show_markers(_one_line(text))


def _figure_label(k: KeyFigure) -> str:
    return f"{k.quantity} (sources differ)" if k.disputed else k.quantity


def document_url(c: Citation, base_url: str | None) -> str | None:
    """The cited span in the document view of the web page at `base_url`; None without one."""
    return base_url.rstrip("/") + link(c) if base_url else None


def to_markdown(b: Briefing, document_base_url: str | None = None) -> str:
    """Markdown: headings, [n] markers after each sentence, references with the quoted spans
    (each linked to its document when `document_base_url` is given)."""
    out = [f"# {md_text(b.title)}", ""]
    out += [f"**{k}:** {md_text(v)}  " for k, v in header_lines(b)]
    out[-1] = out[-1].rstrip()
    out.append("")
    if b.status != "briefed":
        out.append(NOT_COVERED)
        if b.missing:
            out += ["", f"(Not found in the corpus: {', '.join(b.missing)}.)"]
        return "\n".join(out) + "\n"
    out += ["## Summary", "", _md_par(b.summary), ""]
    for sec in b.sections:
        out += [f"## {md_text(sec.heading)}", "", _md_par(sec.sentences), ""]
    out += _md_timeline("Timeline", b.timeline) + _md_timeline(UNDATED, b.undated)
    out += _md_figures(b)
    out += ["## References", ""]
    for r in b.references:
        source = f" — <{r.url}>" if r.url else ""
        out.append(f"- **{md_text(r.title)}** ({_published(r.published)}) — `{r.doc_id}`{source}")
        for c in r.citations:
            where = f"characters {c.start}–{c.end}"
            url = document_url(c, document_base_url)
            where = f"[{where}](<{url}>)" if url else where
            out.append(f"  - [{c.marker}] “{md_text(_quote(c.quote))}” ({where})")
    if b.fallback_reason:
        out += ["", f"_LLM phrasing fell back to extraction: {b.fallback_reason}_"]
    return "\n".join(out) + "\n"


UNDATED = "Mentioned without a date"


def _md_timeline(heading: str, entries: list[TimelineEntry]) -> list[str]:
    if not entries:
        return []
    out = [f"## {heading}", ""]
    out += [f"- **{md_text(e.date.display)}** — {_md(e.sentence)}" for e in entries]
    return [*out, ""]


def _md_figures(b: Briefing) -> list[str]:
    if not b.key_figures:
        return []
    out = ["## Key figures", "", "| Figure | Value | As stated | Source |", "|---|---|---|---|"]
    for k in b.key_figures:
        for i, v in enumerate(k.values):
            label = _figure_label(k) if i == 0 else ""
            quote = md_text(v.context.text)
            marks = "".join(f"[{n}]" for n in v.context.citations)
            out.append(f"| {label} | {md_text(v.value)} | “{quote}” | {marks} `{v.doc_id}` |")
    notes = [_md(k.note) for k in b.key_figures if k.note]
    return [*out, *(["", *notes] if notes else []), ""]


def _md(s: AnswerSentence) -> str:
    return with_markers(AnswerSentence(md_text(s.text), s.citations, s.support))


def _md_par(sentences: Iterable[AnswerSentence]) -> str:
    return " ".join(_md(s) for s in sentences)


def _cite(c: Citation) -> str:
    """[n], a jump to its quote in the references of the same page."""
    return (
        f'<a class="cite" href="#ref-{c.marker}" '
        f'title="{html.escape(_quote(c.quote))}">[{c.marker}]</a>'
    )


def _sentence_html(s: AnswerSentence, by_marker: dict[int, Citation]) -> str:
    marks = "".join(_cite(by_marker[n]) for n in s.citations if n in by_marker)
    return f"{html.escape(_one_line(s.text))}{marks}"


def to_html(b: Briefing, document_base_url: str | None = None) -> str:
    """One self-contained page: inline CSS, no scripts, no external requests; [n] jump to the
    references, which link to their documents when `document_base_url` is given."""
    cites = {c.marker: c for c in b.citations}
    title = html.escape(b.title)
    meta = "".join(f"<div><dt>{k}</dt><dd>{html.escape(v)}</dd></div>" for k, v in header_lines(b))
    body = [f'<header class="head"><h1>{title}</h1><dl class="meta">{meta}</dl></header>']
    if b.status != "briefed":
        body.append(f"<p>{html.escape(NOT_COVERED)}</p>")
        if b.missing:
            missing = html.escape(", ".join(b.missing))
            body.append(f'<p class="muted">Not found in the corpus: {missing}.</p>')
        return _page(title, body)
    body.append(f'<p class="summary">{_par(b.summary, cites)}</p>')
    for sec in b.sections:
        body.append(f"<h2>{html.escape(sec.heading)}</h2><p>{_par(sec.sentences, cites)}</p>")
    body += _html_timeline("Timeline", "timeline", b.timeline, cites)
    body += _html_timeline(UNDATED, "timeline undated", b.undated, cites)
    body += _html_figures(b, cites)
    body += _html_references(b, document_base_url)
    if b.fallback_reason:
        reason = html.escape(b.fallback_reason)
        body.append(f'<p class="muted">LLM phrasing fell back to extraction: {reason}</p>')
    return _page(title, body)


def _par(sentences: Iterable[AnswerSentence], cites: dict[int, Citation]) -> str:
    return " ".join(_sentence_html(s, cites) for s in sentences)


def _html_timeline(
    heading: str, cls: str, entries: list[TimelineEntry], cites: dict[int, Citation]
) -> list[str]:
    if not entries:
        return []
    out = [f'<h2>{heading}</h2><ul class="{cls}">']
    for e in entries:
        kind = "date approx" if e.date.approximate or not e.date.resolved else "date"
        iso = f' data-date="{html.escape(e.date.iso)}"' if e.date.iso else ""
        out.append(
            f'<li><span class="{kind}"{iso}>{html.escape(e.date.display)}</span>'
            f"{_sentence_html(e.sentence, cites)}</li>"
        )
    return [*out, "</ul>"]


def _html_figures(b: Briefing, cites: dict[int, Citation]) -> list[str]:
    if not b.key_figures:
        return []
    out = [
        "<h2>Key figures</h2><table><thead><tr><th>Figure</th><th>Value</th>"
        "<th>As stated</th><th>Source</th></tr></thead><tbody>"
    ]
    for k in b.key_figures:
        row = ' class="disputed"' if k.disputed else ""
        for i, v in enumerate(k.values):
            label = html.escape(_figure_label(k)) if i == 0 else ""
            out.append(
                f'<tr{row}><td>{label}</td><td data-label="Value">{html.escape(v.value)}</td>'
                f"<td>{_sentence_html(v.context, cites)}</td>"
                f'<td data-label="Source"><code>{html.escape(v.doc_id)}</code></td></tr>'
            )
    out.append("</tbody></table>")
    return out + [f"<p>{_sentence_html(k.note, cites)}</p>" for k in b.key_figures if k.note]


def _html_span(c: Citation, base_url: str | None) -> str:
    where = f"characters {c.start}–{c.end}"
    url = document_url(c, base_url)
    if url:
        where = f'<a class="doc" href="{html.escape(url)}">{where}</a>'
    return (
        f'<li id="ref-{c.marker}" value="{c.marker}"><span class="n">[{c.marker}]</span> '
        f'<span class="quote">'
        f'“{html.escape(_quote(c.quote))}”</span> <span class="muted">({where})</span></li>'
    )


def _html_references(b: Briefing, base_url: str | None) -> list[str]:
    out = ['<h2>References</h2><ul class="refs">']
    for r in b.references:
        spans = "".join(_html_span(c, base_url) for c in r.citations)
        meta = f"{html.escape(_published(r.published))}, <code>{html.escape(r.doc_id)}</code>"
        if r.url:
            meta += f', <a href="{html.escape(r.url)}">source</a>'
        out.append(
            f"<li><strong>{html.escape(_one_line(r.title))}</strong> "
            f'<span class="muted">({meta})</span><ol>{spans}</ol></li>'
        )
    return [*out, "</ul>"]


def _page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


RENDERERS = {"md": to_markdown, "html": to_html}
