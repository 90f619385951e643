"""Where sources disagree: different amounts for the same quantity in different documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.scored import Candidate
from rag.text.facts import number_facts


@dataclass(frozen=True, slots=True)
class Figure:
    candidate: Candidate
    fact: str  # e.g. "money:usd:3.7e+10"
    display: str  # e.g. "$ 37 billion" as written


def _display(text: str, fact: str) -> str:
    import re

    from rag.text.facts import NUMBER

    for m in NUMBER.finditer(text):
        if fact in number_facts(m.group(0)):
            return m.group(0).strip()
    return re.sub(r"^money:\w+:", "", fact)


def find_money_conflict(cands: Sequence[Candidate], min_score: float) -> list[Figure]:
    """One leading money figure per document among relevant sentences; >1 distinct value is a
    conflict. Within a document only the most relevant figure counts, so a record it compares
    against ("surpassing the $29.4 billion record") is not mistaken for a disagreement."""
    per_doc: dict[str, Figure] = {}
    for c in cands:  # best first
        if c.score < min_score or c.doc_id in per_doc:
            continue
        money = sorted(f for f in number_facts(c.text) if f.startswith("money:"))
        if money:
            per_doc[c.doc_id] = Figure(c, money[0], _display(c.text, money[0]))
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
    import math

    value = float(fact.rsplit(":", 1)[1])
    return math.log10(value) if value > 0 else 0.0
