"""Conflicts by meaning: figures conflict when they measure the same thing of the same
subject and their values differ beyond rounding and hedges (real parser, sentences made up
here, each as if from its own document)."""

from __future__ import annotations

from rag.answer.conflicts import (
    asks_for_figure,
    conflict_groups,
    conflicts_of,
    find_conflict,
    labelled_figures,
)
from rag.answer.scored import ScoredSentence
from rag.text.focus import question_focus
from rag.text.reading import read_sentences
from rag.types import Citation

RAISED_37 = "Following the dual listing, Ant would have raised about $37 billion."
HALTED_345 = "Ant was forced to halt its $34.5 billion initial public offering last November."
ARAMCO = "It would surpass the $29.4 billion record set last year by oil giant Saudi Aramco."


def _cands(*texts: str, scores: tuple[float, ...] = ()) -> list[ScoredSentence]:
    """One candidate per text, each from its own document, best first."""
    return [
        ScoredSentence(i, f"doc{i}", 0, len(t), t, 0.5, 0.5, 0.5, True, (scores or (0.9,) * 9)[i])
        for i, t in enumerate(texts)
    ]


def _conflict(*texts: str) -> list[str]:
    cands = _cands(*texts)
    return [f.display for f in find_conflict(cands, read_sentences(texts), 0.5)]


def test_same_measure_and_subject_with_different_values_conflict() -> None:
    assert _conflict(RAISED_37, HALTED_345) == ["$37 billion", "$34.5 billion"]


def test_figures_of_different_subjects_never_conflict() -> None:
    assert _conflict(ARAMCO, HALTED_345) == []
    assert _conflict("Alibaba was fined $2.8 billion.", "Tencent was fined $1 billion.") == []


def test_different_measures_of_one_subject_do_not_conflict() -> None:
    assert _conflict("Ant was valued at $313 billion.", HALTED_345) == []
    assert _conflict("Ant holds 500 million users.", "Ant's loan balance is 2 trillion yuan.") == []


def test_values_within_rounding_or_hedges_do_not_conflict() -> None:
    assert _conflict("Ant's IPO would have raised $34 billion.", HALTED_345) == []
    assert _conflict("Ant's IPO would have raised about $35 billion.", HALTED_345) == []
    assert _conflict("Ant's IPO would have raised more than $35 billion.", RAISED_37) == []
    assert _conflict("Ant's IPO could raise up to $35 billion.", HALTED_345) == []


def test_hedged_values_outside_their_range_conflict() -> None:
    more = "Ant's IPO would have raised more than $35 billion."
    assert _conflict(more, HALTED_345) == ["$35 billion", "$34.5 billion"]
    assert _conflict("Ant's IPO could raise up to $30 billion.", HALTED_345)


def test_figures_labelled_only_by_unit_are_never_compared() -> None:
    a, b = "The total was $5 billion.", "The total was $9 billion."
    assert [f.measure for f in labelled_figures(_cands(a, b), read_sentences([a, b]), 0.5)] == [
        "amount",
        "amount",
    ]
    assert _conflict(a, b) == []


def test_a_document_counts_once_per_measure() -> None:
    texts = (RAISED_37, HALTED_345)
    cands = [
        ScoredSentence(i, "same-doc", 0, len(t), t, 0.5, 0.5, 0.5, True, 0.9)
        for i, t in enumerate(texts)
    ]
    assert conflict_groups(labelled_figures(cands, read_sentences(texts), 0.5)) == []


def test_a_figure_asked_about_is_looked_for_below_the_floor() -> None:
    texts = (RAISED_37, ARAMCO, HALTED_345)
    cands = _cands(*texts, scores=(0.9, 0.8, 0.5))
    readings = read_sentences(texts)
    assert find_conflict(cands, readings, 0.7) == []
    found = find_conflict(cands, readings, 0.7, asked="IPO size", reach=True)
    assert [(f.display, f.subject) for f in found] == [
        ("$37 billion", "Ant"),
        ("$34.5 billion", "Ant"),
    ]
    assert find_conflict(_cands(*texts, scores=(0.5, 0.5, 0.5)), readings, 0.7, reach=True) == []


def test_questions_that_ask_for_a_figure() -> None:
    assert asks_for_figure(question_focus("How much would Ant's IPO have raised?"))
    assert asks_for_figure(question_focus("Would Ant's listing have raised more than $35 billion?"))
    assert not asks_for_figure(question_focus("Why was the Ant IPO suspended?"))


def test_the_conflict_is_labelled_with_what_the_figures_measure() -> None:
    texts = (RAISED_37, HALTED_345)
    cands = _cands(*texts)
    figures = find_conflict(cands, read_sentences(texts), 0.5)
    cited = [Citation(2, "doc1", 0, len(HALTED_345), HALTED_345, 0.9)]
    (conflict,) = conflicts_of(figures, cited)
    assert conflict.quantity == "IPO size"
    assert conflict.values == [
        {"value": "$37 billion", "doc_id": "doc0", "citations": []},
        {"value": "$34.5 billion", "doc_id": "doc1", "citations": [2]},
    ]
