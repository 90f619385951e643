"""Key figures of a briefing from sentences made up here: labelled by what they measure and
limited to the topic's subject (real parser; citing is covered by test_briefer.py)."""

from __future__ import annotations

from rag.answer.scored import ScoredSentence
from rag.briefing.figures import key_figures
from rag.text.reading import read_sentences

TEXTS = (
    "Following the dual listing, Ant would have raised about $37 billion.",
    "The listing would surpass the $29.4 billion record set last year by Saudi Aramco.",
    "Ant was forced to halt its $34.5 billion initial public offering last November.",
    "It now offers its 1 billion customers a large number of services.",
    "Alibaba was fined $2.8 billion by regulators in April.",
)
DOCS = ("doc0", "doc0", "doc1", "doc2", "doc3")


def _relevant() -> list[ScoredSentence]:
    return [
        ScoredSentence(i, DOCS[i], 100 * i, 100 * i + len(t), t, 0.5, 0.5, 0.5, True, 0.9 - i / 100)
        for i, t in enumerate(TEXTS)
    ]


def test_figures_are_labelled_and_another_subjects_figures_are_left_out() -> None:
    disputed, groups = key_figures(_relevant(), 5, read_sentences(TEXTS), "Ant Group")
    assert [(r.display, r.measure) for r in disputed] == [
        ("$37 billion", "IPO size"),
        ("$34.5 billion", "IPO size"),
    ]
    shown = [(r.display, r.measure) for g in groups for r in g]
    assert shown == [("1 billion", "number of users")]  # no Aramco record, no Alibaba fine
    for r in [*disputed, *(r for g in groups for r in g)]:
        clause = TEXTS[r.cand.row][r.start - r.cand.start : r.end - r.cand.start]
        assert r.display in clause  # the clause offsets hold the figure


def test_without_a_named_subject_every_figure_counts() -> None:
    _, groups = key_figures(_relevant(), 5, read_sentences(TEXTS), "the subject")
    shown = {(r.display, r.measure) for g in groups for r in g}
    assert ("$29.4 billion", "IPO size") in shown and ("$2.8 billion", "fine") in shown
