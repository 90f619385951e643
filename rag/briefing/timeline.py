"""Dated events for a briefing's timeline: merged across documents, in calendar order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rag.answer.citing import Citer
from rag.briefing.pieces import Piece, cite_piece, shown
from rag.briefing.types import TimelineEntry
from rag.index.store import LoadedIndex
from rag.text.dates import (
    MONTH_NAMES,
    PART_DAY,
    WEEKDAY_NAMES,
    DateMention,
    ResolvedDate,
    compatible,
    find_dates,
    rank,
    resolve,
)
from rag.text.tokens import tokenize


@dataclass(frozen=True, slots=True)
class Event:
    """One dated happening; several documents may report it (the first piece is shown)."""

    pieces: tuple[Piece, ...]
    date: ResolvedDate
    mention: DateMention

    @property
    def placeable(self) -> bool:
        """Whether the text gives at least a month (with or without the year)."""
        return self.date.resolved or self.mention.month is not None


DATE_WORDS = frozenset(
    tokenize(" ".join(MONTH_NAMES + WEEKDAY_NAMES + ["early mid late beginning end week"]))
)


def _same_event(a: Piece, b: Piece, index: LoadedIndex) -> bool:
    ta = set(tokenize(a.text)) - DATE_WORDS
    tb = set(tokenize(b.text)) - DATE_WORDS
    overlap = len(ta & tb) / max(1, min(len(ta), len(tb)))
    cosine = float(index.sentence_vectors[a.cand.row] @ index.sentence_vectors[b.cand.row])
    return overlap >= 0.3 or cosine >= 0.6


def dated_events(index: LoadedIndex, pieces: list[Piece]) -> list[Event]:
    """Pieces that say when something happened, merged when two documents tell one event."""
    events: list[Event] = []
    for p in sorted(pieces, key=lambda p: -p.cand.score):
        mentions = find_dates(p.text)
        if not mentions:
            continue
        published = index.documents[p.cand.doc_id].published
        mention = mentions[0]
        date = resolve(mention, dt.date.fromisoformat(published) if published else None)
        for i, ev in enumerate(events):
            if compatible(ev.date, date, ev.mention, mention) and _same_event(
                ev.pieces[0], p, index
            ):
                best_date, best_m = (
                    (date, mention) if rank(date) < rank(ev.date) else (ev.date, ev.mention)
                )
                events[i] = Event((*ev.pieces, p), best_date, best_m)
                break
        else:
            events.append(Event((p,), date, mention))
    return events


def timeline_order(events: list[Event]) -> list[Event]:
    """Calendar order; then year-unknown dates by month and day; then unresolved ones."""

    def key(e: Event) -> tuple[int, int, int, int]:
        if e.date.sort_key:
            return (0, *e.date.sort_key)
        if e.mention.month is not None:
            return (1, 0, e.mention.month, e.mention.day or PART_DAY[e.mention.part])
        return (2, 0, 0, 0)

    return sorted(events, key=key)


def cite_timeline(citer: Citer, events: list[Event]) -> list[TimelineEntry]:
    """Timeline entries whose sentences verify: each event cites every document that tells
    it, or, when those spans together do not hold, just the sentence shown."""
    out = []
    for e in events:
        first = e.pieces[0]
        spans = [p.span for p in e.pieces]
        s = citer.cite(shown(first), spans, first.cand.score)
        if s is None:  # the corroborating spans together did not hold: cite the shown one
            s = cite_piece(citer, first)
        if s is not None:
            out.append(
                TimelineEntry(e.date, s, list(dict.fromkeys(p.cand.doc_id for p in e.pieces)))
            )
    return out


def split_undated(entries: list[TimelineEntry]) -> tuple[list[TimelineEntry], list[TimelineEntry]]:
    """The timeline proper (dates with a known year, in calendar order) and the rest ("on
    Tuesday", "last week" or "December 31" where no year can be found), kept apart so a
    reader does not take them for placed events."""
    return [e for e in entries if e.date.resolved], [e for e in entries if not e.date.resolved]
