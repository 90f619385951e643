"""Key figures of a briefing: amounts, shares and large counts, each labelled by what it
measures ("IPO size", "number of users") and shown with the clause that states it; where
documents give different values for the same measure, side by side.

Only figures of the topic's subject count: a figure whose sentence names another subject
(Saudi Aramco's record in a briefing on Ant Group) is left out; one whose subject the
sentence does not name is kept. Disagreement is found by rag.answer.conflicts.find_conflict;
the other figures are grouped where documents agree on a measure and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.citing import Citer
from rag.answer.conflicts import Figure, differ_sentence, find_conflict, labelled_figures
from rag.answer.scored import ScoredSentence
from rag.briefing.types import FigureValue, KeyFigure
from rag.text.facts import number_facts
from rag.text.measures import same_subject
from rag.text.reading import SentenceReading
from rag.types import Conflict

MONEY_OR_SCALE = re.compile(r"^(?:money:|pct:)|^num:.*e\+(?:0[6-9]|1\d)$")


def figure_facts(text: str) -> list[str]:
    """Amounts, percentages and large counts (not years, days or small numbers)."""
    return sorted(f for f in number_facts(text) if MONEY_OR_SCALE.search(f))


EDGE_WORD = re.compile(r"and|or|but|the|a|an|of|in|on|at|by|to|for|with|from|as|than", re.I)


def window(text: str, at: int, to: int, words: int = 10) -> tuple[int, int]:
    """Offsets (in text) of the clause around text[at:to], at most `words` words each side,
    without a dangling "and" or "the" at either edge."""
    clause_start = max((m.end() for m in re.finditer(r"[,;:—–(]\s*", text[:at])), default=0)
    tail = re.search(r"[,;:—–)]|\.(?:\s|$)", text[to:])
    clause_end = to + tail.start() if tail else len(text)
    left = [(m.start(), m.group()) for m in re.finditer(r"\S+", text[clause_start:at])]
    right = [(m.end(), m.group()) for m in re.finditer(r"\S+", text[to:clause_end])]
    left, right = left[-words:], right[:words]
    while left and EDGE_WORD.fullmatch(left[0][1]):
        left = left[1:]
    while right and EDGE_WORD.fullmatch(right[-1][1]):
        right = right[:-1]
    start = clause_start + left[0][0] if left else at
    end = to + right[-1][0] if right else to
    return start, end


@dataclass(frozen=True, slots=True)
class FigureRef:
    """A figure as one document states it, with the clause around it (exact offsets)."""

    cand: ScoredSentence
    fact: str  # normalised, e.g. "money:usd:3.7e+10"
    display: str  # as written, e.g. "$ 37 billion"
    start: int  # of the clause in the document
    end: int
    measure: str = "amount"  # what it measures, e.g. "IPO size"


def _figure_ref(f: Figure) -> FigureRef:
    s, e = window(f.candidate.text, f.at, f.to)
    c = f.candidate
    return FigureRef(c, f.fact, f.display, c.start + s, c.start + e, f.measure)


def _topic_name(subject: str) -> str:
    """The topic's subject when it is a name ("Ant Group"), else "" (no filter)."""
    return subject if subject[:1].isupper() else ""


def key_figures(
    relevant: list[ScoredSentence],
    limit: int,
    readings: Sequence[SentenceReading],
    subject: str = "",
) -> tuple[list[FigureRef], list[list[FigureRef]]]:
    """The disputed figure (one value per document, side by side) and the other figures,
    grouped where documents agree on a measure and value; best supported first. With a
    named subject, figures the sentence gives to another subject are left out."""
    name = _topic_name(subject)
    floor = min((c.score for c in relevant), default=0.0)  # trusted-first pools are not sorted
    figures = [
        f
        for f in labelled_figures(relevant, readings, floor)
        if not (name and f.subject) or same_subject(f.subject, name)
    ]
    figures = [f for f in figures if MONEY_OR_SCALE.search(f.fact)]
    conflict = find_conflict(relevant, readings, floor, subject=name) if relevant else []
    conflict = [f for f in conflict if f in figures]
    disputed = [_figure_ref(f) for f in sorted(conflict, key=lambda f: f.candidate.doc_id)]
    if len(disputed) < 2:
        disputed = []
    taken = {(f.cand.row, f.fact) for f in disputed}
    groups: dict[tuple[str, str], list[FigureRef]] = {}
    for f in figures:
        key = (f.measure, f.fact)
        c = f.candidate
        same_doc = any(r.cand.doc_id == c.doc_id for r in groups.get(key, []))
        if (c.row, f.fact) in taken or same_doc:
            continue
        groups.setdefault(key, []).append(_figure_ref(f))
    ordered = sorted(groups.values(), key=lambda g: -max(r.cand.score for r in g))
    return disputed, ordered[: max(0, limit - (1 if disputed else 0))]


def _figure_value(citer: Citer, r: FigureRef) -> FigureValue | None:
    doc = citer.docs[r.cand.doc_id]
    context = doc.text[r.start : r.end]
    s = citer.cite(context, [(r.cand.doc_id, r.cand.start, r.cand.end)], r.cand.score)
    if s is None:
        s = citer.cite(context, [(r.cand.doc_id, r.start, r.end)], r.cand.score)
    return FigureValue(r.display, r.fact, r.cand.doc_id, s) if s else None


def cite_figures(
    citer: Citer, disputed: list[FigureRef], groups: list[list[FigureRef]]
) -> tuple[list[KeyFigure], list[Conflict]]:
    """Key figures (a disputed one first, with the note that the sources differ) and the
    conflicts, each value cited through `citer`; a value whose span does not verify is left
    out."""
    figures: list[KeyFigure] = []
    conflicts: list[Conflict] = []
    values = [v for r in disputed if (v := _figure_value(citer, r))]
    if len(values) > 1:
        spans = [(r.cand.doc_id, r.cand.start, r.cand.end) for r in disputed]
        note = citer.cite(
            differ_sentence([v.value for v in values]),
            spans,
            max(r.cand.score for r in disputed),
            facts_only=True,
        )
        figures.append(KeyFigure(disputed[0].measure, values, True, note))
        conflicts.append(
            Conflict(
                quantity=disputed[0].measure,
                values=[
                    {"value": v.value, "doc_id": v.doc_id, "citations": v.context.citations}
                    for v in values
                ],
            )
        )
    if len(values) == 1:  # the other side did not verify: no disagreement left to show
        groups = [[r for r in disputed if r.fact == values[0].fact], *groups]
    for group in groups:
        vals = [v for r in group if (v := _figure_value(citer, r))]
        if vals:
            figures.append(KeyFigure(group[0].measure, vals, False))
    return figures, conflicts
