"""What figures measure and the values they allow: the word tables of the figure labeller
(rag.text.figures), the labelled figure itself, and the tolerance by which two figures of the
same measure agree (rounding and hedges such as "about", "more than", "up to").

>>> measure_of(["initial", "public", "offering"]), measure_of(["penalty"])
('IPO size', 'fine')
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rag.text.facts import NUMBER

FIGURE = re.compile(r"^(?:money:|pct:)|^num:.*e\+(?:0[6-9]|1\d)$")
IPO = "IPO size"
# Word (lemma) -> what a figure attached to it measures; two-word names first.
PAIRS = {
    ("market", "value"): "market value",
    ("market", "capitalization"): "market value",
    ("market", "capitalisation"): "market value",
    ("market", "cap"): "market value",
    ("loan", "balance"): "loan balance",
    ("share", "sale"): IPO,
    ("share", "offering"): IPO,
    ("public", "offering"): IPO,
}
MEASURES = {
    "ipo": IPO, "offering": IPO, "listing": IPO, "flotation": IPO, "float": IPO,
    "fine": "fine", "penalty": "fine", "penalize": "fine", "penalise": "fine",
    "valuation": "valuation", "value": "valuation",
    "stake": "stake", "holding": "stake", "shareholding": "stake",
    "loan": "loan balance", "lending": "loan balance", "credit": "loan balance",
    "borrow": "loan balance", "lend": "loan balance",
    "user": "number of users", "customer": "number of users", "client": "number of users",
    "subscriber": "number of users", "account": "number of users",
    "revenue": "revenue", "sale": "revenue", "turnover": "revenue",
    "profit": "profit", "earnings": "profit", "income": "profit",
    "deposit": "deposits", "investment": "investment", "invest": "investment",
    "employee": "number of employees", "staff": "number of employees",
    "merchant": "number of merchants",
}  # fmt: skip
VERB_MEASURES = {
    "fine": "fine",
    "penalize": "fine",
    "penalise": "fine",
    "value": "valuation",
    "invest": "investment",
    "lend": "loan balance",
    "borrow": "loan balance",
}
CHANGE = {
    "fall": "fall",
    "drop": "fall",
    "lose": "fall",
    "decline": "fall",
    "slump": "fall",
    "rise": "rise",
    "gain": "rise",
    "jump": "rise",
    "climb": "rise",
    "grow": "rise",
}
IPO_WORDS = {"ipo", "offering", "listing", "flotation", "float"}
RAISE = {"raise", "sell", "fetch", "seek", "generate"}  # what a listing does with money
GENERIC = {"record", "figure", "sum", "amount", "total", "deal", "worth", "size", "share"}
UNIT_MEASURE = {"money": "amount", "pct": "share", "num": "number"}
# Hedges before a figure, and what they make of the stated value v (see value_range).
APPROX = ("about", "around", "roughly", "approximately", "some", "nearly", "almost",
          "close to", "an estimated", "estimated", "circa", "~")  # fmt: skip
LOWER = ("more than", "over", "above", "at least", "exceeding", "upwards of", "in excess of")
UPPER = ("up to", "less than", "under", "below", "at most", "as much as", "as many as")
HEDGE = re.compile(
    r"(?:^|\s)(" + "|".join(re.escape(h) for h in (*LOWER, *UPPER, *APPROX)) + r")\s*$", re.I
)
APPROX_SHARE = 0.05  # "about $37 billion": 5 % either side
PRONOUNS = {"it", "its", "they", "their", "them", "he", "his", "she", "her", "which", "who"}


@dataclass(frozen=True, slots=True)
class FigureMention:
    """One figure of a sentence: ``fact`` normalised ("money:usd:3.45e+10"), ``start``/``end``
    its offsets in the sentence as written ("$34.5 billion"), ``measure`` what it measures,
    ``subject`` whose it is ("" when the sentence does not say), ``hedge`` as written."""

    fact: str
    start: int
    end: int
    measure: str
    subject: str
    hedge: str = ""

    def to_list(self) -> list[Any]:
        return [self.fact, self.start, self.end, self.measure, self.subject, self.hedge]

    @classmethod
    def from_list(cls, row: list[Any]) -> FigureMention:
        fact, start, end, measure, subject, hedge = row
        return cls(str(fact), int(start), int(end), str(measure), str(subject), str(hedge))


def measure_of(words: Iterable[str]) -> str:
    """The measure named by lemmas in order ("market value", "IPO size"), else ""."""
    seq = [w.lower() for w in words]
    for a, b in itertools.pairwise(seq):
        if (a, b) in PAIRS:
            return PAIRS[(a, b)]
    return next((MEASURES[w] for w in seq if w in MEASURES), "")


def _unit(number: str) -> float:
    """The rounding unit of a number as written: 1 for "37", 0.1 for "34.5"."""
    digits = number.replace(",", "")
    return 10.0 ** -len(digits.split(".", 1)[1]) if "." in digits else 1.0


def value_range(m: FigureMention, text: str) -> tuple[float, float]:
    """The values a figure allows. Written plainly it stands for anything that rounds to it
    ("$34 billion": 33.5 to 34.5 billion); "about" widens that to 5 % either side;
    "more than"/"at least" X allows X and above, "up to"/"less than" X allows X and below.

    >>> from rag.text.figures import label_figures
    >>> s = "It raised more than $35 billion."
    >>> value_range(label_figures(s)[0], s)
    (35000000000.0, inf)
    """
    value = float(m.fact.rsplit(":", 1)[1])
    written = NUMBER.match(text[m.start : m.end])
    scale = value / float(written.group("num").replace(",", "")) if written else 1.0
    unit = _unit(written.group("num")) * scale if written else 0.0
    lo, hi = value - unit / 2, value + unit / 2
    if m.hedge in LOWER:
        return value, math.inf
    if m.hedge in UPPER:
        return 0.0, value
    if m.hedge in APPROX:
        return min(lo, value * (1 - APPROX_SHARE)), max(hi, value * (1 + APPROX_SHARE))
    return lo, hi


def same_subject(a: str, b: str) -> bool:
    """The same subject: both unstated, or names sharing their first word ("Ant" and "Ant
    Group"); "Ant" and "Saudi Aramco" are not."""
    if not a or not b:
        return a == b
    return a.split()[0].lower() == b.split()[0].lower()
