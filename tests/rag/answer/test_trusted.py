"""Trusted evidence leads uploads (rag.answer.scored.lead_with_trusted; logic only, fakes)."""

from __future__ import annotations

from rag.answer.scored import ScoredSentence, lead_with_trusted


def cand(row: int, score: float, trusted: bool) -> ScoredSentence:
    doc = "corpus" if trusted else "upload"
    return ScoredSentence(row, doc, row, row + 1, f"s{row}", 0.5, 0.5, 1.0, True, score, trusted)


def rows(cands: list[ScoredSentence]) -> list[int]:
    return [c.row for c in cands]


def test_an_all_trusted_list_is_unchanged() -> None:
    cands = [cand(1, 0.9, True), cand(2, 0.5, True)]
    assert lead_with_trusted(cands) is cands


def test_trusted_evidence_that_is_strong_enough_leads_a_stronger_upload() -> None:
    cands = [cand(1, 0.95, False), cand(2, 0.9, False), cand(3, 0.6, True), cand(4, 0.5, True),
             cand(5, 0.3, True)]  # fmt: skip
    # 0.6 >= 0.5 * 0.95: the trusted sentences within 75% of 0.6 lead, the rest by score
    assert rows(lead_with_trusted(cands)) == [3, 4, 1, 2, 5]


def test_weak_trusted_evidence_does_not_lead_a_question_only_an_upload_covers() -> None:
    cands = [cand(1, 0.9, False), cand(2, 0.3, True)]
    assert rows(lead_with_trusted(cands)) == [1, 2]
