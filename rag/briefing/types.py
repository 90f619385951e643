"""The briefing's domain types and their JSON shape (sentences and citations as in answers)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rag.text.dates import ResolvedDate
from rag.types import AnswerSentence, Citation, Conflict

NOT_COVERED = "The corpus does not cover this topic."

BriefStatus = Literal["briefed", "not_covered"]


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    heading: str
    sentences: list[AnswerSentence]
    mode: str = "extractive"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    date: ResolvedDate
    sentence: AnswerSentence
    doc_ids: list[str]


@dataclass(frozen=True, slots=True)
class FigureValue:
    value: str  # as written
    fact: str  # normalised
    doc_id: str
    context: AnswerSentence  # the clause that states it, cited


@dataclass(frozen=True, slots=True)
class KeyFigure:
    quantity: str  # what it measures: "IPO size", "number of users" (else amount / share)
    values: list[FigureValue]
    disputed: bool
    note: AnswerSentence | None = None  # "The sources differ on this figure, ..."


@dataclass(frozen=True, slots=True)
class Reference:
    doc_id: str
    title: str
    published: str | None
    citations: list[Citation]
    url: str | None = None  # where the article was published, if known


def utc_now() -> str:
    """When a briefing was generated: an ISO 8601 UTC time to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a briefing drew on: its cited sources and when they were published."""

    sources: int
    first_published: str | None
    last_published: str | None
    undated_sources: int


@dataclass(frozen=True, slots=True)
class Briefing:
    topic: str
    title: str
    status: BriefStatus
    summary: list[AnswerSentence]
    sections: list[Section]
    timeline: list[TimelineEntry]
    key_figures: list[KeyFigure]
    conflicts: list[Conflict]
    citations: list[Citation]
    references: list[Reference]
    timings_ms: dict[str, float]
    max_sentences: int
    filters: dict[str, Any] = field(default_factory=dict)
    mode: str = "extractive"
    fallback_reason: str | None = None
    missing: list[str] = field(default_factory=list)
    # events whose date has no known year ("on Tuesday" in an undated article): kept apart
    undated: list[TimelineEntry] = field(default_factory=list)
    generated_at: str = field(default_factory=utc_now)

    def scope(self) -> Scope:
        dates = sorted(r.published for r in self.references if r.published)
        first, last = (dates[0], dates[-1]) if dates else (None, None)
        return Scope(len(self.references), first, last, len(self.references) - len(dates))

    def sentences(self) -> list[tuple[str, AnswerSentence]]:
        """Every sentence of the briefing with the part it belongs to, in reading order."""
        out = [("summary", s) for s in self.summary]
        out += [(f"section:{sec.key}", s) for sec in self.sections for s in sec.sentences]
        out += [("timeline", e.sentence) for e in self.timeline]
        out += [("undated", e.sentence) for e in self.undated]
        # as rendered: the table's rows, then the notes under it
        out += [("key_figures", v.context) for k in self.key_figures for v in k.values]
        out += [("key_figures", k.note) for k in self.key_figures if k.note]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "title": self.title,
            "status": self.status,
            "generated_at": self.generated_at,
            "scope": asdict(self.scope()),
            "summary": {
                "text": join(self.summary) or NOT_COVERED,
                "sentences": [asdict(s) for s in self.summary],
            },
            "sections": [
                {
                    "key": s.key,
                    "heading": s.heading,
                    "text": join(s.sentences),
                    "mode": s.mode,
                    "sentences": [asdict(x) for x in s.sentences],
                }
                for s in self.sections
            ],
            "timeline": [_entry_dict(e) for e in self.timeline],
            "undated": [_entry_dict(e) for e in self.undated],
            "key_figures": [_figure_dict(k) for k in self.key_figures],
            "conflicts": [asdict(c) for c in self.conflicts],
            "sentences": [{**asdict(s), "part": part} for part, s in self.sentences()],
            "citations": [asdict(c) for c in self.citations],
            "references": [_reference_dict(r) for r in self.references],
            "max_sentences": self.max_sentences,
            "filters": self.filters,
            "mode": self.mode,
            "fallback_reason": self.fallback_reason,
            "missing": self.missing,
            "timings_ms": self.timings_ms,
        }


def link(c: Citation) -> str:
    """Where the web page shows a cited span in its document view."""
    return f"/#doc={c.doc_id}&start={c.start}&end={c.end}"


def _entry_dict(e: TimelineEntry) -> dict[str, Any]:
    d = e.date
    return {
        "date": d.iso,
        "display": d.display,
        "precision": d.precision,
        "approximate": d.approximate,
        "resolved": d.resolved,
        "basis": d.basis,
        "as_written": d.as_written,
        "doc_ids": e.doc_ids,
        **asdict(e.sentence),
    }


def _figure_dict(k: KeyFigure) -> dict[str, Any]:
    values = [
        {"value": v.value, "fact": v.fact, "doc_id": v.doc_id, **asdict(v.context)}
        for v in k.values
    ]
    return {
        "quantity": k.quantity,
        "disputed": k.disputed,
        "values": values,
        "note": asdict(k.note) if k.note else None,
    }


def _reference_dict(r: Reference) -> dict[str, Any]:
    spans = [
        {"marker": c.marker, "start": c.start, "end": c.end, "quote": c.quote, "link": link(c)}
        for c in r.citations
    ]
    return {
        "doc_id": r.doc_id,
        "title": r.title,
        "published": r.published,
        "url": r.url,
        "markers": [c.marker for c in r.citations],
        "spans": spans,
    }


def with_markers(s: AnswerSentence) -> str:
    marks = "".join(f"[{n}]" for n in s.citations)
    m = re.search(r"[.!?…]+[\"'”’)]*$", s.text)
    if m:
        return f"{s.text[: m.start()]} {marks}{s.text[m.start() :]}"
    return f"{s.text} {marks}"


def join(sentences: list[AnswerSentence]) -> str:
    return " ".join(with_markers(s) for s in sentences)
