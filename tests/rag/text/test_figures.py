"""The figure labeller on sentence shapes like the corpus's: what each figure measures,
whose it is, its hedge, and the values it allows (real spaCy parser)."""

from __future__ import annotations

import math

import pytest

from rag.text.figures import label_figures, label_many
from rag.text.measures import FigureMention, measure_of, same_subject, value_range

# (sentence, figure as written, measure, subject, hedge)
SHAPES: list[tuple[str, str, str, str, str]] = [
    ("Following the dual listing, Ant would have raised about $ 37 billion.",
     "$ 37 billion", "IPO size", "Ant", "about"),
    ("It would be the largest listing ever, surpassing the $ 29.4 billion record set "
     "last year by oil giant Saudi Aramco.",
     "$ 29.4 billion", "IPO size", "Saudi Aramco", ""),
    ("Ant, which owns the app Alipay, was forced to halt its $34.5 billion initial "
     "public offering last November.",
     "$34.5 billion", "IPO size", "Ant", ""),
    ("The IPO was expected to raise up to $35 billion.",
     "$35 billion", "IPO size", "", "up to"),
    ("Ant planned to sell shares worth $34 billion in Shanghai and Hong Kong.",
     "$34 billion", "IPO size", "Ant", ""),
    ("Ant Group's share sale would have fetched more than $35 billion.",
     "$35 billion", "IPO size", "Ant Group", "more than"),
    ("Alibaba was fined $2.8 billion by regulators in April.",
     "$2.8 billion", "fine", "Alibaba", ""),
    ("Regulators imposed a record 18.2 billion yuan fine on Alibaba.",
     "18.2 billion yuan", "fine", "Alibaba", ""),
    ("Tenpay received a penalty of 3 million yuan.",
     "3 million yuan", "fine", "Tenpay", ""),
    ("Ant Group is valued at more than $150 billion.",
     "$150 billion", "valuation", "Ant Group", "more than"),
    ("Analysts put Ant's valuation at roughly $200 billion.",
     "$200 billion", "valuation", "Ant", "roughly"),
    ("Jack Ma holds a 50.52% stake in Ant Group.",
     "50.52%", "stake", "Jack Ma", ""),
    ("Alibaba owns a 33% stake in Ant.",
     "33%", "stake", "Alibaba", ""),
    ("Tencent's market value fell by $60 billion.",
     "$60 billion", "fall in market value", "Tencent", ""),
    ("Alibaba's market value is about $600 billion.",
     "$600 billion", "market value", "Alibaba", "about"),
    ("Ant's outstanding loan balance reached 2.1 trillion yuan.",
     "2.1 trillion yuan", "loan balance", "Ant", ""),
    ("Alipay has about 730 million monthly active users.",
     "730 million", "number of users", "Alipay", "about"),
    ("With Alipay, however, regional banks operate a national platform with more than "
     "1 billion users.",
     "1 billion", "number of users", "Alipay", "more than"),
    ("It now offers its 1 billion customers a large number of services.",
     "1 billion", "number of users", "", ""),
    ("JD.com reported revenue of $110 billion last year.",
     "$110 billion", "revenue", "JD.com", ""),
    ("Ant's profit rose to 21.9 billion yuan.",
     "21.9 billion yuan", "profit", "Ant", ""),
    ("The platform employs some 100 million riders.",
     "100 million", "number of riders", "", "some"),
    ("The central bank said the total was 5 billion yuan.",
     "5 billion yuan", "amount", "", ""),
    ("Ant Group said it had nearly 500 million borrowers.",
     "500 million", "number of borrowers", "Ant Group", "nearly"),
    ("The listing would have valued Ant at $313 billion.",
     "$313 billion", "valuation", "Ant", ""),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "measure", "subject", "hedge"), SHAPES)
def test_each_figure_is_labelled_with_what_it_measures_and_whose_it_is(
    text: str, value: str, measure: str, subject: str, hedge: str
) -> None:
    got = [(text[m.start : m.end], m.measure, m.subject, m.hedge) for m in label_figures(text)]
    assert got == [(value, measure, subject, hedge)]


def test_two_figures_of_one_sentence_get_their_own_subjects() -> None:
    text = (
        "Alibaba was fined $2.8 billion in April, and Tencent's market value fell by $60 billion."
    )
    got = [(m.measure, m.subject) for m in label_figures(text)]
    assert got == [("fine", "Alibaba"), ("fall in market value", "Tencent")]


def test_years_days_and_small_counts_are_not_figures() -> None:
    assert label_figures("In 2020, Ant suspended 12 products on November 3.") == ()
    assert label_figures("Why was the Ant IPO suspended?") == ()


def test_label_many_agrees_with_label_figures_and_skips_sentences_without_figures() -> None:
    texts = [SHAPES[0][0], "Ant said nothing.", SHAPES[6][0]]
    assert label_many(texts) == [label_figures(texts[0]), (), label_figures(texts[2])]


def test_a_mention_survives_its_stored_form() -> None:
    m = label_figures(SHAPES[0][0])[0]
    assert FigureMention.from_list(m.to_list()) == m


def _range(text: str) -> tuple[float, float]:
    return value_range(label_figures(text)[0], text)


def test_a_plain_figure_stands_for_what_rounds_to_it() -> None:
    assert _range("Ant raised $34 billion in its IPO.") == (33.5e9, 34.5e9)
    lo, hi = _range("Ant raised $34.5 billion in its IPO.")
    assert math.isclose(lo, 34.45e9) and math.isclose(hi, 34.55e9)


def test_hedges_widen_or_bound_the_value() -> None:
    lo, hi = _range("Ant would have raised about $37 billion in its IPO.")
    assert math.isclose(lo, 37e9 * 0.95) and math.isclose(hi, 37e9 * 1.05)
    assert _range("Ant's IPO would have raised more than $35 billion.") == (35e9, math.inf)
    assert _range("Ant's IPO would have raised at least $35 billion.") == (35e9, math.inf)
    assert _range("The IPO was expected to raise up to $35 billion.") == (0.0, 35e9)
    assert _range("The IPO would raise less than $35 billion.") == (0.0, 35e9)


def test_measure_names_and_subjects() -> None:
    assert measure_of(["market", "value"]) == "market value"
    assert measure_of(["initial", "public", "offering"]) == "IPO size"
    assert measure_of(["listing"]) == measure_of(["ipo"]) == "IPO size"
    assert measure_of(["penalty"]) == measure_of(["fine"]) == "fine"
    assert measure_of(["weather"]) == ""
    assert same_subject("Ant", "Ant Group") and same_subject("", "")
    assert not same_subject("Ant", "Saudi Aramco") and not same_subject("Ant", "")
