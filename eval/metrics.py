"""Evaluation metrics: pure functions with no I/O and no engine import.

Conventions shared by the ranking metrics:

* ``k`` must be >= 1; only the first ``k`` retrieved items count, and a list shorter than
  ``k`` is simply scored as it is.
* A question with no gold spans (or no gold documents) scores 0.0 on every ranking metric;
  such questions (the unanswerable ones) should be left out of retrieval averages.
* A span is ``(doc_id, start, end)`` with ``end`` exclusive; two spans overlap when they share
  at least one character of the same document.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

SpanTuple = tuple[str, int, int]
T = TypeVar("T")

STATUS_LABELS: tuple[str, ...] = ("answered", "partial", "unanswerable")


# --------------------------------------------------------------------------- basics


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0.0 for an empty sequence."""
    return math.fsum(values) / len(values) if values else 0.0


def span_overlap(a: SpanTuple, b: SpanTuple) -> bool:
    """True if spans ``a`` and ``b`` share at least one character of the same document.

    >>> span_overlap(("d", 0, 10), ("d", 9, 20)), span_overlap(("d", 0, 10), ("d", 10, 20))
    (True, False)
    """
    return a[0] == b[0] and max(a[1], b[1]) < min(a[2], b[2])


# --------------------------------------------------------------------------- ranking core


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def _credits(
    retrieved: Sequence[T], gold: Sequence[T], k: int, match: Callable[[T, T], bool]
) -> list[int]:
    """For each of the top-k items, how many not-yet-credited gold items it matches.

    An item is credited with every gold item it matches that no earlier item matched, so each
    gold item is credited at most once and the total is the number of gold items covered.
    """
    _check_k(k)
    credited = [False] * len(gold)
    out: list[int] = []
    for item in retrieved[:k]:
        new = 0
        for j, g in enumerate(gold):
            if not credited[j] and match(item, g):
                credited[j] = True
                new += 1
        out.append(new)
    return out


def _recall(credits: list[int], n_gold: int) -> float:
    return sum(credits) / n_gold if n_gold else 0.0


def _ndcg(credits: list[int], n_gold: int, k: int) -> float:
    """Binary nDCG: an item is relevant (gain 1) if it earned at least one new credit."""
    n_ideal = min(k, n_gold)
    if n_ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, c in enumerate(credits, start=1) if c > 0)
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, n_ideal + 1))
    return dcg / idcg


def _mrr(retrieved: Sequence[T], gold: Sequence[T], k: int, match: Callable[[T, T], bool]) -> float:
    _check_k(k)
    for rank, item in enumerate(retrieved[:k], start=1):
        if any(match(item, g) for g in gold):
            return 1.0 / rank
    return 0.0


# --------------------------------------------------------------------------- evidence level


def recall_at_k(retrieved: Sequence[SpanTuple], gold_spans: Sequence[SpanTuple], k: int) -> float:
    """Fraction of gold spans overlapped by at least one of the top-k retrieved spans.

    This is coverage of the gold evidence, not the fraction of relevant items: one long
    retrieved span may cover several gold spans, and a gold span overlapped by two retrieved
    spans counts once. 0.0 when there are no gold spans.

    >>> recall_at_k([("d", 0, 5), ("d", 50, 60)], [("d", 3, 8), ("d", 20, 30)], k=2)
    0.5
    """
    return _recall(_credits(retrieved, gold_spans, k, span_overlap), len(gold_spans))


def mrr_at_k(retrieved: Sequence[SpanTuple], gold_spans: Sequence[SpanTuple], k: int) -> float:
    """1/rank of the first top-k span overlapping any gold span; 0.0 if there is none.

    >>> mrr_at_k([("d", 50, 60), ("d", 0, 5)], [("d", 3, 8)], k=2)
    0.5
    """
    return _mrr(retrieved, gold_spans, k, span_overlap)


def ndcg_at_k(retrieved: Sequence[SpanTuple], gold_spans: Sequence[SpanTuple], k: int) -> float:
    """Binary nDCG@k over spans.

    A retrieved span is relevant (gain 1) if it overlaps a gold span that no earlier span has
    already been credited with; it is credited with every such gold span. So duplicates, or a
    second span hitting the same gold span, earn nothing. The ideal DCG has
    ``min(k, len(gold_spans))`` relevant items at the top. 0.0 when there are no gold spans.
    """
    credits = _credits(retrieved, gold_spans, k, span_overlap)
    return _ndcg(credits, len(gold_spans), k)


# --------------------------------------------------------------------------- document level


def _same(a: str, b: str) -> bool:
    return a == b


def _distinct(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def doc_recall_at_k(retrieved_doc_ids: Sequence[str], gold_docs: Sequence[str], k: int) -> float:
    """Distinct gold documents among the top-k retrieved ids / number of distinct gold docs.

    >>> doc_recall_at_k(["a", "a", "c"], ["a", "b"], k=3)
    0.5
    """
    gold = _distinct(gold_docs)
    return _recall(_credits(retrieved_doc_ids, gold, k, _same), len(gold))


def doc_mrr_at_k(retrieved_doc_ids: Sequence[str], gold_docs: Sequence[str], k: int) -> float:
    """1/rank of the first gold document within the top k; 0.0 if there is none."""
    return _mrr(retrieved_doc_ids, _distinct(gold_docs), k, _same)


def doc_ndcg_at_k(retrieved_doc_ids: Sequence[str], gold_docs: Sequence[str], k: int) -> float:
    """Binary nDCG@k over document ids; repeats of a document already seen earn nothing.

    The ideal DCG has ``min(k, number of distinct gold docs)`` relevant items at the top.
    """
    gold = _distinct(gold_docs)
    return _ndcg(_credits(retrieved_doc_ids, gold, k, _same), len(gold), k)


# --------------------------------------------------------------------------- answer text

_QUOTES = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote / apostrophe
        "\u201a": "'",  # single low-9 quote
        "\u201b": "'",  # single high-reversed-9 quote
        "\u2032": "'",  # prime
        "\u201c": '"',  # left double quote
        "\u201d": '"',  # right double quote
        "\u201e": '"',  # double low-9 quote
        "\u201f": '"',  # double high-reversed-9 quote
        "\u2033": '"',  # double prime
    }
)
_CURRENCY_GAP = re.compile(r"([$€£¥])\s+(?=\d)")


def normalize_text(s: str) -> str:
    """Lowercase, straighten curly quotes, collapse whitespace, and join "$ 37" into "$37".

    >>> normalize_text("  Ant\u2019s IPO:\\n about  $ 37 Billion ")
    "ant's ipo: about $37 billion"
    """
    s = " ".join(s.lower().translate(_QUOTES).split())
    return _CURRENCY_GAP.sub(r"\1", s)


def _group_satisfied(normalized_answer: str, group: Sequence[str]) -> bool:
    for alternative in group:
        alt = normalize_text(alternative)
        if alt and alt in normalized_answer:
            return True
    return False


def key_fact_coverage(answer_text: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Fraction of key-fact groups with an alternative occurring in the answer.

    Matching is substring containment after :func:`normalize_text` on both sides; empty
    alternatives never match. With no groups the answer vacuously covers everything (1.0),
    consistent with :func:`key_facts_all`.

    >>> key_fact_coverage("About $ 37 billion.", [["37 billion"], ["34.5 billion"]])
    0.5
    """
    if not key_facts:
        return 1.0
    answer = normalize_text(answer_text)
    return sum(_group_satisfied(answer, g) for g in key_facts) / len(key_facts)


def key_facts_all(answer_text: str, key_facts: Sequence[Sequence[str]]) -> bool:
    """True if every key-fact group is satisfied (see :func:`key_fact_coverage`)."""
    answer = normalize_text(answer_text)
    return all(_group_satisfied(answer, g) for g in key_facts)


_ARTICLES = re.compile(r"\b(a|an|the)\b")


def _is_punct(ch: str) -> bool:
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def _squad_tokens(s: str) -> list[str]:
    """SQuAD answer normalisation: lowercase, drop punctuation, drop articles, split.

    Unlike the original script, Unicode punctuation (curly quotes, dashes) is dropped too.
    """
    s = "".join(ch for ch in s.lower() if not _is_punct(ch))
    return _ARTICLES.sub(" ", s).split()


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1 between a prediction and a reference answer.

    If either side normalises to no tokens, the score is 1.0 when both do and 0.0 otherwise.

    >>> round(token_f1("The Shanghai Stock Exchange", "Shanghai exchange"), 3)
    0.8
    """
    pred, ref = _squad_tokens(prediction), _squad_tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------- statistics


def bootstrap_ci(
    values: Sequence[float], n_resamples: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean and a percentile-bootstrap ``1 - alpha`` interval.

    Resamples with replacement ``n_resamples`` times using ``numpy.random.default_rng(seed)``,
    so the result is deterministic given the seed. ``(0.0, 0.0, 0.0)`` for no values.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not values:
        return 0.0, 0.0, 0.0
    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, data.size, size=(n_resamples, data.size))
    means = data[idx].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(data.mean()), float(low), float(high)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation, as ``numpy.percentile``.

    0.0 for no values (like :func:`mean`).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be in [0, 100], got {q}")
    if not values:
        return 0.0
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return float(s[lo] + (s[hi] - s[lo]) * (pos - lo))


def confusion(
    expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = STATUS_LABELS
) -> dict[str, dict[str, int]]:
    """Confusion counts ``result[expected_label][predicted_label]``, every cell present.

    Raises ValueError if the sequences differ in length or contain a label not in ``labels``.

    >>> confusion(["answered", "partial"], ["answered", "answered"])["partial"]["answered"]
    1
    """
    if len(expected) != len(predicted):
        raise ValueError(f"length mismatch: {len(expected)} expected vs {len(predicted)} predicted")
    table = {e: dict.fromkeys(labels, 0) for e in labels}
    for e, p in zip(expected, predicted, strict=True):
        for label in (e, p):
            if label not in table:
                raise ValueError(f"unknown label {label!r}; expected one of {list(labels)}")
        table[e][p] += 1
    return table
