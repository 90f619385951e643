"""Key figures of a briefing: amounts, shares and large counts, each with the clause that
states it; where documents give different amounts for the same quantity, side by side.

Disagreement is found by rag.conflicts.find_money_conflict (one leading figure per document
among the relevant sentences); the other figures are grouped where documents agree on a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.citing import Citer
from rag.answer.conflicts import differ_sentence, find_money_conflict
from rag.answer.scored import ScoredSentence
from rag.briefing.types import FigureValue, KeyFigure
from rag.text.facts import as_written, number_facts
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


def _figure_ref(cand: ScoredSentence, fact: str) -> FigureRef:
    display, at, to = as_written(cand.text, fact)
    s, e = window(cand.text, at, to)
    return FigureRef(cand, fact, display, cand.start + s, cand.start + e)


def key_figures(
    relevant: list[ScoredSentence], limit: int
) -> tuple[list[FigureRef], list[list[FigureRef]]]:
    """The disputed amount (one value per document, side by side) and the other figures,
    grouped where documents agree on a value; best supported first."""
    floor = relevant[-1].score if relevant else 0.0
    conflict = sorted(find_money_conflict(relevant, floor), key=lambda f: f.candidate.doc_id)
    disputed = [_figure_ref(f.candidate, f.fact) for f in conflict]
    taken = {(f.cand.row, f.fact) for f in disputed}
    groups: dict[str, list[FigureRef]] = {}
    for c in relevant:
        for fact in figure_facts(c.text):
            same_doc = any(r.cand.doc_id == c.doc_id for r in groups.get(fact, []))
            if (c.row, fact) in taken or same_doc:
                continue
            groups.setdefault(fact, []).append(_figure_ref(c, fact))
    ordered = sorted(groups.values(), key=lambda g: -max(r.cand.score for r in g))
    return disputed, ordered[: max(0, limit - (1 if disputed else 0))]


def _quantity(fact: str) -> str:
    return {"money": "amount", "pct": "share"}.get(fact.split(":", 1)[0], "count")


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
        figures.append(KeyFigure(_quantity(values[0].fact), values, True, note))
        conflicts.append(
            Conflict(
                quantity=_quantity(values[0].fact),
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
            figures.append(KeyFigure(_quantity(vals[0].fact), vals, False))
    return figures, conflicts
