"""The abstention trade-off: AUC, the threshold curve and the labelled-file reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.abstention import LabelledSetError, Scored, curve, read_labelled, roc_auc


def scored(*pairs: tuple[bool, float]) -> list[Scored]:
    return [Scored(str(i), f"q{i}", a, s) for i, (a, s) in enumerate(pairs)]


def test_auc_perfect_reversed_and_ties() -> None:
    assert roc_auc(scored((True, 0.9), (True, 0.8), (False, 0.1))) == 1.0
    assert roc_auc(scored((True, 0.1), (False, 0.9))) == 0.0
    assert roc_auc(scored((True, 0.5), (False, 0.5))) == 0.5


def test_auc_needs_both_classes() -> None:
    assert roc_auc(scored((True, 0.5))) != roc_auc(scored((True, 0.5)))  # nan


def test_curve_counts_scores_below_the_threshold() -> None:
    s = scored((True, 0.2), (True, 0.6), (False, 0.1), (False, 0.5))
    rows = curve(s, [0.15, 0.3, 0.7])
    assert [r["abstained_unanswerable"] for r in rows] == [0.5, 0.5, 1.0]
    assert [r["false_abstentions"] for r in rows] == [0.0, 0.5, 1.0]


def test_read_labelled_names_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "a", "question": "Who?", "answerable": false}\n\n', encoding="utf-8")
    assert read_labelled(good) == [("a", "Who?", False)]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Who?", "answerable": true}\n{"question": "x"}\n')
    with pytest.raises(LabelledSetError, match=r"bad\.jsonl:2:"):
        read_labelled(bad)
    typed = tmp_path / "typed.jsonl"
    typed.write_text('{"question": "Who?", "answerable": "yes"}\n')
    with pytest.raises(LabelledSetError, match=r"typed\.jsonl:1:"):
        read_labelled(typed)
