"""Where sources disagree: figures that measure the same thing of the same subject (by their
labels, rag.text.figures) with values that differ beyond rounding, in different documents.

"$34.5 billion" and "about $37 billion" for Ant's IPO size conflict; "$34 billion" and
"$34.5 billion" do not (a round figure stands for what rounds to it); Saudi Aramco's
"$29.4 billion record" never conflicts with Ant's IPO, whatever its magnitude.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.claims import Claim
from rag.answer.scored import ScoredSentence
from rag.text.focus import QuestionFocus
from rag.text.measures import UNIT_MEASURE, FigureMention, measure_of, same_subject, value_range
from rag.text.reading import SentenceReading
from rag.types import Citation, Conflict


@dataclass(frozen=True, slots=True)
class Figure:
    candidate: ScoredSentence
    fact: str  # e.g. "money:usd:3.7e+10"
    display: str  # e.g. "$ 37 billion" as written
    measure: str = "amount"  # e.g. "IPO size"
    subject: str = ""  # e.g. "Ant"
    low: float = 0.0  # the values the figure allows (rag.text.figures.value_range)
    high: float = 0.0
    at: int = 0  # offsets of the figure in the candidate's text
    to: int = 0


def _figure(c: ScoredSentence, m: FigureMention) -> Figure:
    low, high = value_range(m, c.text)
    display = c.text[m.start : m.end]
    return Figure(c, m.fact, display, m.measure, m.subject, low, high, m.start, m.end)


def labelled_figures(
    cands: Sequence[ScoredSentence], readings: Sequence[SentenceReading], min_score: float
) -> list[Figure]:
    """The figures of the candidates scoring at least min_score (best first), labelled."""
    return [
        _figure(c, m)
        for c in cands
        if c.score >= min_score
        for m in readings[c.row].figures_in(c.text)
    ]


def _key(f: Figure) -> tuple[str, str, str]:
    """Same measure, same subject, same unit (and currency)."""
    subject = f.subject.split()[0].lower() if f.subject else ""
    return f.measure, subject, f.fact.rsplit(":", 1)[0]


def _disagree(figures: Sequence[Figure]) -> bool:
    return any(a.high < b.low or b.high < a.low for a in figures for b in figures)


def conflict_groups(figures: Sequence[Figure]) -> list[list[Figure]]:
    """Groups of figures (one per document, its best) measuring the same named thing of the
    same subject whose values cannot all be true; best supported first. Figures labelled
    only by their unit ("amount", "share") are not compared: nothing says they measure the
    same thing."""
    groups: dict[tuple[str, str, str], dict[str, Figure]] = {}
    for f in figures:  # best first: a document's leading figure for each measure counts
        if f.measure in UNIT_MEASURE.values():
            continue
        groups.setdefault(_key(f), {}).setdefault(f.candidate.doc_id, f)
    found = [list(g.values()) for g in groups.values() if len(g) > 1]
    found = [g for g in found if _disagree(g)]
    return sorted(found, key=lambda g: -max(f.candidate.score for f in g))


def asked_measure(focus: QuestionFocus) -> str:
    """The measure a question asks about, by the words of its focus and what it is attached
    to ("IPO size" for "How much would Ant's IPO have raised?"), else "".

    >>> from rag.text.focus import question_focus
    >>> asked_measure(question_focus("How much would Ant's IPO have raised?"))
    'IPO size'
    """
    words = " ".join([focus.focus, *focus.attached]).lower().replace("'s", "").split()
    return measure_of(words) or measure_of(sorted(focus.content))


REACH = 0.6  # share of the relevance floor down to which a figure asked about is looked for


def find_conflict(
    cands: Sequence[ScoredSentence],
    readings: Sequence[SentenceReading],
    min_score: float,
    asked: str = "",
    subject: str = "",
    reach: bool = False,
) -> list[Figure]:
    """The disputed figure among relevant sentences, one value per document: the group of
    the asked-for measure (and subject) when there is one, else the best supported. With
    `reach` (the question asks for a figure) a group may take figures from sentences down to
    REACH of the floor, as long as one of its figures clears the floor: labels, not scores,
    keep out figures of other things ("$34.5 billion" may rank below the "$37 billion"
    sentence for "more than $35 billion?")."""
    floor = min_score * REACH if reach else min_score
    groups = conflict_groups(labelled_figures(cands, readings, floor))
    groups = [g for g in groups if max(f.candidate.score for f in g) >= min_score]
    if subject:
        groups = [g for g in groups if same_subject(g[0].subject, subject)]
    if asked:
        groups = sorted(groups, key=lambda g: g[0].measure != asked)
    return groups[0] if groups else []


def asks_for_figure(focus: QuestionFocus) -> bool:
    """The question wants a number: an amount, count or share, or it names one itself
    ("Would the listing have raised more than $35 billion?")."""
    named = any(lab in {"MONEY", "PERCENT", "CARDINAL"} for _, lab in focus.names)
    return focus.answer_type in {"amount", "count", "percent"} or named


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
    """The answer's conflicts: each figure with the marker of its sentence, if cited; the
    quantity is what the figures measure ("IPO size")."""
    if not figures:
        return []
    by_span = {(c.doc_id, c.start, c.end): c.marker for c in citations}
    values = []
    for fig in figures:
        key = (fig.candidate.doc_id, fig.candidate.start, fig.candidate.end)
        marks = [by_span[key]] if key in by_span else []
        values.append({"value": fig.display, "doc_id": fig.candidate.doc_id, "citations": marks})
    return [Conflict(quantity=figures[0].measure, values=values)]
