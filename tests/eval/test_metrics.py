"""Hand-computed values and properties of eval.metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eval.metrics import (
    bootstrap_ci,
    confusion,
    doc_mrr_at_k,
    doc_ndcg_at_k,
    doc_recall_at_k,
    key_fact_coverage,
    key_facts_all,
    mean,
    mrr_at_k,
    ndcg_at_k,
    normalize_text,
    percentile,
    recall_at_k,
    span_overlap,
    token_f1,
)

GOLD = [("a", 10, 20), ("b", 0, 5)]
MISS = ("a", 30, 40)
HIT_A = ("a", 15, 25)
HIT_B = ("b", 4, 9)


def dcg(ranks: list[int]) -> float:
    return sum(1 / math.log2(r + 1) for r in ranks)


# --------------------------------------------------------------------------- span_overlap


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("d", 0, 10), ("d", 9, 12), True),  # one shared character
        (("d", 0, 10), ("d", 10, 12), False),  # touching, half-open
        (("d", 5, 6), ("d", 0, 100), True),  # containment
        (("d", 0, 10), ("e", 0, 10), False),  # other document
        (("d", 5, 5), ("d", 0, 10), False),  # empty span covers nothing
    ],
)
def test_span_overlap(a: tuple[str, int, int], b: tuple[str, int, int], expected: bool) -> None:
    assert span_overlap(a, b) is expected
    assert span_overlap(b, a) is expected


# --------------------------------------------------------------------------- evidence level


def test_recall_counts_gold_spans_covered() -> None:
    assert recall_at_k([MISS, HIT_A, HIT_B], GOLD, k=1) == 0.0
    assert recall_at_k([MISS, HIT_A, HIT_B], GOLD, k=2) == 0.5
    assert recall_at_k([MISS, HIT_A, HIT_B], GOLD, k=3) == 1.0


def test_recall_one_item_can_cover_several_gold_spans() -> None:
    gold = [("a", 0, 5), ("a", 10, 15), ("a", 100, 110)]
    assert recall_at_k([("a", 0, 50)], gold, k=1) == pytest.approx(2 / 3)


def test_recall_duplicates_count_once() -> None:
    assert recall_at_k([HIT_A, HIT_A, ("a", 11, 12)], GOLD, k=3) == 0.5


def test_recall_edge_cases() -> None:
    assert recall_at_k([], GOLD, k=5) == 0.0
    assert recall_at_k([HIT_A], [], k=5) == 0.0
    assert recall_at_k([HIT_A, HIT_B], GOLD, k=100) == 1.0  # k beyond the list
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        recall_at_k([HIT_A], GOLD, k=0)


def test_mrr() -> None:
    assert mrr_at_k([HIT_A], GOLD, k=1) == 1.0
    assert mrr_at_k([MISS, MISS, HIT_B], GOLD, k=3) == pytest.approx(1 / 3)
    assert mrr_at_k([MISS, MISS, HIT_B], GOLD, k=2) == 0.0
    assert mrr_at_k([], GOLD, k=3) == 0.0
    assert mrr_at_k([HIT_A], [], k=3) == 0.0
    assert mrr_at_k([MISS, HIT_A], GOLD, k=50) == 0.5


def test_ndcg_hand_computed() -> None:
    # relevant at ranks 2 and 3; ideal: 2 relevant at ranks 1 and 2
    assert ndcg_at_k([MISS, HIT_A, HIT_B], GOLD, k=3) == pytest.approx(dcg([2, 3]) / dcg([1, 2]))
    assert ndcg_at_k([HIT_A, HIT_B, MISS], GOLD, k=3) == pytest.approx(1.0)


def test_ndcg_ideal_limited_by_k() -> None:
    # k=1: ideal DCG has min(1, 2) = 1 relevant item
    assert ndcg_at_k([HIT_B, HIT_A], GOLD, k=1) == pytest.approx(1.0)


def test_ndcg_duplicate_hits_earn_nothing() -> None:
    # second copy of HIT_A hits a gold span already credited: relevant only at rank 1
    assert ndcg_at_k([HIT_A, HIT_A], GOLD, k=2) == pytest.approx(dcg([1]) / dcg([1, 2]))
    # ... so a later fresh hit is still credited at its own rank
    expected = dcg([1, 3]) / dcg([1, 2])
    assert ndcg_at_k([HIT_A, HIT_A, HIT_B], GOLD, k=3) == pytest.approx(expected)


def test_ndcg_edge_cases() -> None:
    assert ndcg_at_k([], GOLD, k=3) == 0.0
    assert ndcg_at_k([HIT_A], [], k=3) == 0.0
    assert ndcg_at_k([HIT_A], GOLD, k=10) == pytest.approx(dcg([1]) / dcg([1, 2]))


# --------------------------------------------------------------------------- document level


def test_doc_recall() -> None:
    assert doc_recall_at_k(["x", "a", "a", "b"], ["a", "b"], k=3) == 0.5
    assert doc_recall_at_k(["x", "a", "a", "b"], ["a", "b"], k=4) == 1.0
    assert doc_recall_at_k(["a"], ["a", "a", "b"], k=1) == 0.5  # gold duplicates ignored
    assert doc_recall_at_k([], ["a"], k=3) == 0.0
    assert doc_recall_at_k(["a"], [], k=3) == 0.0
    assert doc_recall_at_k(["a", "b"], ["b"], k=10) == 1.0


def test_doc_mrr() -> None:
    assert doc_mrr_at_k(["x", "y", "b"], ["a", "b"], k=3) == pytest.approx(1 / 3)
    assert doc_mrr_at_k(["x", "y", "b"], ["a", "b"], k=2) == 0.0
    assert doc_mrr_at_k(["a"], ["a"], k=1) == 1.0
    assert doc_mrr_at_k([], ["a"], k=1) == 0.0
    assert doc_mrr_at_k(["a"], [], k=1) == 0.0


def test_doc_ndcg() -> None:
    assert doc_ndcg_at_k(["a", "b"], ["a", "b"], k=2) == pytest.approx(1.0)
    assert doc_ndcg_at_k(["x", "a"], ["a"], k=2) == pytest.approx(dcg([2]) / dcg([1]))
    # the repeat of "a" at rank 2 is not relevant again
    assert doc_ndcg_at_k(["a", "a", "b"], ["a", "b"], k=3) == pytest.approx(
        dcg([1, 3]) / dcg([1, 2])
    )
    assert doc_ndcg_at_k([], ["a"], k=3) == 0.0
    assert doc_ndcg_at_k(["a"], [], k=3) == 0.0
    assert doc_ndcg_at_k(["a"], ["a", "b", "c"], k=1) == pytest.approx(1.0)


# --------------------------------------------------------------------------- answer text


def test_normalize_text() -> None:
    assert (
        normalize_text("  Ant\u2019s  \u201cIPO\u201d\n\tabout $ 37 Billion ")
        == 'ant\'s "ipo" about $37 billion'
    )
    assert normalize_text("") == ""
    assert normalize_text("cost $ x") == "cost $ x"  # only before a digit


def test_key_fact_coverage() -> None:
    facts = [["37 billion"], ["34.5 billion", "34.5bn"]]
    assert key_fact_coverage("Ant would have raised about $ 37 Billion.", facts) == 0.5
    assert key_fact_coverage("$37 billion or $34.5bn", facts) == 1.0
    assert key_fact_coverage("nothing relevant", facts) == 0.0
    assert key_fact_coverage("anything", []) == 1.0
    assert key_fact_coverage("Jack Ma\u2019s group", [["jack ma's"]]) == 1.0  # quotes unified
    assert key_fact_coverage("about $ 37 billion", [["$37 billion"]]) == 1.0
    assert key_fact_coverage("text", [[""]]) == 0.0  # an empty alternative never matches


def test_key_facts_all() -> None:
    facts = [["37 billion"], ["34.5 billion"]]
    assert key_facts_all("$37 billion vs $34.5 billion", facts) is True
    assert key_facts_all("$37 billion", facts) is False
    assert key_facts_all("", []) is True


def test_token_f1() -> None:
    # pred tokens: shanghai stock exchange; ref: shanghai exchange -> p=2/3, r=1
    assert token_f1("The Shanghai Stock Exchange", "Shanghai exchange") == pytest.approx(0.8)
    assert token_f1("Jack Ma!", "jack ma") == 1.0
    assert token_f1("Ant\u2019s IPO", "ants ipo") == 1.0  # Unicode punctuation stripped too
    assert token_f1("a b b", "b c") == pytest.approx(2 * (1 / 2) * (1 / 2) / 1)  # p=r=1/2
    assert token_f1("foo", "bar") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("the", "") == 1.0  # both normalise to nothing
    assert token_f1("", "answer") == 0.0


# --------------------------------------------------------------------------- statistics


def test_mean() -> None:
    assert mean([]) == 0.0
    assert mean([1.0, 2.0, 4.0]) == pytest.approx(7 / 3)


def test_bootstrap_deterministic_and_contains_mean() -> None:
    values = [0.0, 1.0, 1.0, 0.5, 0.25, 1.0, 0.0, 0.75, 1.0, 0.5]
    first = bootstrap_ci(values, n_resamples=500, seed=7)
    assert first == bootstrap_ci(values, n_resamples=500, seed=7)
    m, low, high = first
    assert m == pytest.approx(0.6)
    assert low <= m <= high
    assert 0.0 <= low < high <= 1.0
    continuous = [(i * 0.37) % 1 for i in range(25)]
    assert bootstrap_ci(continuous, seed=1) == bootstrap_ci(continuous, seed=1)
    assert bootstrap_ci(continuous, seed=1) != bootstrap_ci(continuous, seed=2)


def test_bootstrap_edge_cases() -> None:
    assert bootstrap_ci([]) == (0.0, 0.0, 0.0)
    assert bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0, 1.0)
    wide = bootstrap_ci([0.0, 1.0] * 20, alpha=0.01)
    narrow = bootstrap_ci([0.0, 1.0] * 20, alpha=0.5)
    assert wide[1] <= narrow[1] <= narrow[2] <= wide[2]
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci([1.0], alpha=1.5)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ci([1.0], n_resamples=0)


def test_percentile() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 0) == 1.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 100) == 4.0
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)
    assert percentile([5.0], 99) == 5.0
    assert percentile([], 50) == 0.0
    with pytest.raises(ValueError, match="q must be"):
        percentile([1.0], 101)


@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30),
    st.floats(0, 100),
)
def test_percentile_matches_numpy(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), abs=1e-6)


def test_confusion() -> None:
    table = confusion(
        ["answered", "answered", "partial", "unanswerable"],
        ["answered", "unanswerable", "answered", "unanswerable"],
    )
    assert table == {
        "answered": {"answered": 1, "partial": 0, "unanswerable": 1},
        "partial": {"answered": 1, "partial": 0, "unanswerable": 0},
        "unanswerable": {"answered": 0, "partial": 0, "unanswerable": 1},
    }
    assert confusion([], [])["partial"] == {"answered": 0, "partial": 0, "unanswerable": 0}
    assert confusion(["x"], ["y"], labels=("x", "y")) == {
        "x": {"x": 0, "y": 1},
        "y": {"x": 0, "y": 0},
    }
    with pytest.raises(ValueError, match="length"):
        confusion(["answered"], [])
    with pytest.raises(ValueError, match="'maybe'"):
        confusion(["answered"], ["maybe"])


# --------------------------------------------------------------------------- properties

DOC_IDS = st.sampled_from(["a", "b", "c"])


@st.composite
def spans(draw: st.DrawFn) -> tuple[str, int, int]:
    start = draw(st.integers(0, 60))
    return draw(DOC_IDS), start, start + draw(st.integers(1, 20))


@given(st.lists(spans(), max_size=12), st.lists(spans(), max_size=5), st.integers(1, 15))
def test_span_metrics_bounded(
    retrieved: list[tuple[str, int, int]], gold: list[tuple[str, int, int]], k: int
) -> None:
    for metric in (recall_at_k, mrr_at_k, ndcg_at_k):
        assert 0.0 <= metric(retrieved, gold, k) <= 1.0 + 1e-12


@given(st.lists(spans(), max_size=12), st.lists(spans(), min_size=1, max_size=5))
def test_recall_monotone_in_k(
    retrieved: list[tuple[str, int, int]], gold: list[tuple[str, int, int]]
) -> None:
    scores = [recall_at_k(retrieved, gold, k) for k in range(1, len(retrieved) + 3)]
    assert scores == sorted(scores)


@given(st.lists(DOC_IDS, max_size=10), st.lists(DOC_IDS, max_size=4), st.integers(1, 12))
def test_doc_metrics_bounded(retrieved: list[str], gold: list[str], k: int) -> None:
    for metric in (doc_recall_at_k, doc_mrr_at_k, doc_ndcg_at_k):
        assert 0.0 <= metric(retrieved, gold, k) <= 1.0 + 1e-12
