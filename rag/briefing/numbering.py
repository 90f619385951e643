"""Citation numbers in order of first use over the whole briefing, as a reader meets them.

The citer numbers spans as sentences are cited (summary, sections, timeline, figures), which
is not always the order a reader sees them in (figure notes sit under the table, undated events
after the timeline). Renumbering walks `Briefing.sentences()`, the rendered order, so [1] is the
first marker read, then [2], ..., with no gaps; citations no kept sentence uses are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rag.briefing.types import Briefing, KeyFigure, Reference, TimelineEntry
from rag.types import AnswerSentence, Citation, Conflict


def first_use_order(b: Briefing) -> list[int]:
    """The briefing's markers in reading order, each once."""
    return list(dict.fromkeys(n for _, s in b.sentences() for n in s.citations))


def renumber(b: Briefing) -> Briefing:
    """The same briefing with markers 1..n in order of first use, and its references in the
    order their first citation is read."""
    old = first_use_order(b)
    new = {m: i for i, m in enumerate(old, 1)}
    by_marker = {c.marker: c for c in b.citations}
    citations = [replace(by_marker[m], marker=new[m]) for m in old if m in by_marker]

    def sent(s: AnswerSentence) -> AnswerSentence:
        return replace(s, citations=[new[n] for n in s.citations])

    def entry(e: TimelineEntry) -> TimelineEntry:
        return replace(e, sentence=sent(e.sentence))

    def figure(k: KeyFigure) -> KeyFigure:
        values = [replace(v, context=sent(v.context)) for v in k.values]
        return replace(k, values=values, note=sent(k.note) if k.note else None)

    return replace(
        b,
        summary=[sent(s) for s in b.summary],
        sections=[replace(x, sentences=[sent(s) for s in x.sentences]) for x in b.sections],
        timeline=[entry(e) for e in b.timeline],
        undated=[entry(e) for e in b.undated],
        key_figures=[figure(k) for k in b.key_figures],
        conflicts=[_conflict(c, new) for c in b.conflicts],
        citations=citations,
        references=_references(b.references, citations),
    )


def _conflict(c: Conflict, new: Mapping[int, int]) -> Conflict:
    values = [
        {**v, "citations": [new[n] for n in v.get("citations", []) if n in new]} for v in c.values
    ]
    return replace(c, values=values)


def _references(refs: list[Reference], citations: list[Citation]) -> list[Reference]:
    """One reference per cited document, in order of its first citation."""
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    meta = {r.doc_id: r for r in refs}
    return [replace(meta[d], citations=cs) for d, cs in by_doc.items() if d in meta]
