"""Where sources disagree: different amounts for the same quantity in different documents."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.claims import Claim
from rag.answer.scored import ScoredSentence
from rag.text.facts import as_written, number_facts
from rag.types import Citation, Conflict


@dataclass(frozen=True, slots=True)
class Figure:
    candidate: ScoredSentence
    fact: str  # e.g. "money:usd:3.7e+10"
    display: str  # e.g. "$ 37 billion" as written


def find_money_conflict(cands: Sequence[ScoredSentence], min_score: float) -> list[Figure]:
    """One leading money figure per document among relevant sentences; >1 distinct value is a
    conflict. Within a document only the most relevant figure counts, so a record it compares
    against ("surpassing the $29.4 billion record") is not mistaken for a disagreement."""
    per_doc: dict[str, Figure] = {}
    for c in cands:  # best first
        if c.score < min_score or c.doc_id in per_doc:
            continue
        money = sorted(f for f in number_facts(c.text) if f.startswith("money:"))
        if money:
            per_doc[c.doc_id] = Figure(c, money[0], as_written(c.text, money[0])[0])
    figures = list(per_doc.values())
    values = {f.fact for f in figures}
    if len(values) < 2:
        return []
    # Same currency, same order of magnitude: the same quantity reported differently.
    scales = {round(_magnitude(f.fact)) for f in figures}
    currencies = {f.fact.split(":")[1] for f in figures}
    if len(scales) > 1 or len(currencies) > 1:
        return []
    return figures


def _magnitude(fact: str) -> float:
    value = float(fact.rsplit(":", 1)[1])
    return math.log10(value) if value > 0 else 0.0


def differ_sentence(values: Sequence[str]) -> str:
    """The sentence that says the sources disagree, listing the values as written.

    >>> differ_sentence(["$34.5 billion", "$37 billion"])
    'The sources differ on this figure, giving $34.5 billion and $37 billion.'
    """
    listing = ", ".join(values[:-1]) + f" and {values[-1]}" if len(values) > 1 else values[0]
    return f"The sources differ on this figure, giving {listing}."


def conflict_claim(figures: list[Figure]) -> Claim:
    """The differ sentence as a claim citing each figure's sentence (checked on facts)."""
    text = differ_sentence([f.display for f in figures])
    spans = tuple((f.candidate.doc_id, f.candidate.start, f.candidate.end) for f in figures)
    return Claim(text, spans, max(f.candidate.score for f in figures), facts_only=True)


def conflicts_of(figures: list[Figure], citations: list[Citation]) -> list[Conflict]:
    """The answer's conflicts: each figure with the marker of its sentence, if cited."""
    if not figures:
        return []
    by_span = {(c.doc_id, c.start, c.end): c.marker for c in citations}
    values = []
    for fig in figures:
        key = (fig.candidate.doc_id, fig.candidate.start, fig.candidate.end)
        marks = [by_span[key]] if key in by_span else []
        values.append({"value": fig.display, "doc_id": fig.candidate.doc_id, "citations": marks})
    return [Conflict(quantity="amount", values=values)]
