"""The support verifier (rag.answer.verify) and the fact extractor under it (rag.text.facts).

The verifier's constants were calibrated on the first 68 lines of tests/data/verify_pairs.jsonl
(p001..p068); lines 69..135 are held out and measure it. The floors below are what a
regression would break, not the measured values (printed with ``-s``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rag.answer.verify import DEFAULT_THRESHOLD, Verdict, Verifier, contradicts
from rag.index.corpus import load_corpus
from rag.index.embedder import Embedder
from rag.text.facts import date_facts, entities, missing_facts, number_facts

PAIRS_FILE = Path(__file__).resolve().parents[2] / "data" / "verify_pairs.jsonl"
CALIBRATION_LINES = 68
PRECISION_FLOOR = 0.85
RECALL_FLOOR = 0.75

# Real sentences of corpus/000_341026f71ce0a6ab.txt.
SUSPENDED = (
    "In early November, the Shanghai Stock Exchange suspended Ant Group Co Ltd’s Initial Public "
    "Offering on its STAR Market platform, which was originally set for November 5th."
)
RAISED = "Following the dual listing, Ant would have raised about $ 37 billion."
# A real sentence of corpus/002_c2792e408a785547.txt; it ends with a closing quote and a full stop.
ASSURED = (
    "The company assured that this decision would in no way affect its already registered and "
    "active users, and also affirmed that it was “obliged to comply with legal requirements”."
)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    n: int


def load_pairs() -> list[dict[str, Any]]:
    return [json.loads(line) for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines()]


def scores(pairs: list[dict[str, Any]], verdicts: dict[str, Verdict]) -> Scores:
    tp = sum(1 for p in pairs if p["label"] and verdicts[p["id"]].supported)
    fp = sum(1 for p in pairs if not p["label"] and verdicts[p["id"]].supported)
    fn = sum(1 for p in pairs if p["label"] and not verdicts[p["id"]].supported)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return Scores(precision, recall, len(pairs))


@pytest.fixture(scope="module")
def verifier(embedder: Embedder) -> Verifier:
    return Verifier(embedder)


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, Any]]:
    return load_pairs()


@pytest.fixture(scope="module")
def verdicts(verifier: Verifier, pairs: list[dict[str, Any]]) -> dict[str, Verdict]:
    return {p["id"]: verifier.check(p["sentence"], [p["quote"]]) for p in pairs}


# -- The labelled pairs ----------------------------------------------------------------------


def test_pairs_file_is_the_calibrated_one(pairs: list[dict[str, Any]], corpus_dir: Path) -> None:
    assert len(pairs) == 135
    assert [p["id"] for p in pairs] == [f"p{i:03d}" for i in range(1, 136)]
    assert {p["label"] for p in pairs} == {True, False}
    docs, _ = load_corpus(corpus_dir)
    texts = {d.doc_id: d.text for d in docs}
    for p in pairs:  # the spans are real, offset-exact slices of the corpus
        assert texts[p["doc_id"]][p["start"] : p["end"]] == p["quote"], p["id"]


def test_held_out_precision_and_recall(
    pairs: list[dict[str, Any]], verdicts: dict[str, Verdict]
) -> None:
    held_out = pairs[CALIBRATION_LINES:]
    assert held_out[0]["id"] == "p069"
    s = scores(held_out, verdicts)
    print(f"\nverifier held-out (p069..p135): precision {s.precision:.3f} recall {s.recall:.3f}")
    assert s.n == 67
    assert s.precision >= PRECISION_FLOOR
    assert s.recall >= RECALL_FLOOR


def test_all_pairs_precision_and_recall(
    pairs: list[dict[str, Any]], verdicts: dict[str, Verdict]
) -> None:
    s = scores(pairs, verdicts)
    calib = scores(pairs[:CALIBRATION_LINES], verdicts)
    print(
        f"\nverifier calibration half: precision {calib.precision:.3f} recall {calib.recall:.3f}"
        f"\nverifier all {s.n} pairs: precision {s.precision:.3f} recall {s.recall:.3f}"
    )
    assert s.precision >= PRECISION_FLOOR
    assert s.recall >= RECALL_FLOOR


def test_verdict_fields_are_consistent(verdicts: dict[str, Verdict]) -> None:
    for pid, v in verdicts.items():
        assert 0.0 <= v.score <= 1.0, pid
        assert 0.0 <= v.lexical <= 1.0, pid
        if v.supported:
            assert v.score >= DEFAULT_THRESHOLD, pid
            assert not v.missing and not v.contradiction, pid


# -- Edge cases ------------------------------------------------------------------------------


def test_spaced_and_unspaced_dollar_amounts_are_equal(verifier: Verifier) -> None:
    assert number_facts("$ 37 billion") == number_facts("$37 billion") == {"money:usd:3.7e+10"}
    assert verifier.check("Ant would have raised $37 billion.", [RAISED]).supported
    assert verifier.check(
        "Ant would have raised about $ 37 billion.", ["Ant would have raised about $37 billion."]
    ).supported


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        ("The IPO was set for Dec. 31.", "The IPO was set for December 31."),
        ("The IPO was set for December 31.", "The IPO was set for Dec. 31."),
    ],
    ids=["abbreviated-in-sentence", "abbreviated-in-span"],
)
def test_abbreviated_month_equals_full_month(verifier: Verifier, sentence: str, span: str) -> None:
    """facts.py promises 'December 26th' and 'Dec. 26' give the same fact, in both directions."""
    assert missing_facts(sentence, span) == []
    assert verifier.check(sentence, [span]).supported


def test_number_word_equals_digits(verifier: Verifier) -> None:
    assert number_facts("one billion customers") == number_facts("1 billion customers")
    v = verifier.check(
        "The platform offers its one billion customers a wide range of services.",
        ["The platform now offers its 1 billion customers a wide range of services."],
    )
    assert v.supported, v


def test_wrong_number_is_not_supported(verifier: Verifier) -> None:
    v = verifier.check(
        "Following the dual listing, Ant would have raised about $ 38 billion.", [RAISED]
    )
    assert not v.supported
    assert "money:usd:3.8e+10" in v.missing


def test_swapped_entity_is_not_supported(verifier: Verifier) -> None:
    sentence = SUSPENDED.replace("Shanghai Stock Exchange", "Shenzhen Stock Exchange")
    v = verifier.check(sentence, [SUSPENDED])
    assert not v.supported
    assert "entity:shenzhen" in v.missing


def test_swapped_entity_against_a_span_ending_in_a_closing_quote(verifier: Verifier) -> None:
    """A span ending in '”.' must not make every name in the sentence count as found."""
    sentence = (
        "Tencent assured that this decision would in no way affect its already registered and "
        "active users, and also affirmed that it was obliged to comply with legal requirements."
    )
    assert "entity:tencent" in missing_facts(sentence, ASSURED)
    assert not verifier.check(sentence, [ASSURED]).supported


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        ("Ant did not meet the new listing conditions.", "Ant met the new listing conditions."),
        ("Ant met the new listing conditions.", "Ant did not meet the new listing conditions."),
        (
            "The listing of the fintech company Ant was stopped because the group met the new "
            "conditions set by the regulators.",
            "The listing of the fintech company Ant was stopped due to the inability of the "
            "group to meet the new conditions set by the regulators.",
        ),
    ],
    ids=["sentence-negates", "span-negates", "inability"],
)
def test_negation_flip_is_a_contradiction(verifier: Verifier, sentence: str, span: str) -> None:
    assert contradicts(sentence, span)
    v = verifier.check(sentence, [span])
    assert v.contradiction
    assert not v.supported


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        (
            "Ant's lending increased in the third quarter.",
            "Ant's lending decreased in the third quarter.",
        ),
        ("Regulators approved Ant's listing.", "Regulators suspended Ant's listing."),
    ],
)
def test_opposite_word_is_a_contradiction(verifier: Verifier, sentence: str, span: str) -> None:
    v = verifier.check(sentence, [span])
    assert v.contradiction
    assert not v.supported


def test_same_polarity_is_not_a_contradiction() -> None:
    assert not contradicts("Ant did not meet the conditions.", "Ant did not meet the conditions.")
    assert not contradicts(RAISED, RAISED)


def test_verbatim_extract_is_fully_supported(verifier: Verifier) -> None:
    v = verifier.check(SUSPENDED, [SUSPENDED])
    assert v.supported
    assert v.semantic == 1.0
    assert v.score == pytest.approx(1.0)


@pytest.mark.parametrize("spans", [[], [""], ["   "]], ids=["no-span", "empty", "blank"])
def test_empty_spans_support_nothing(verifier: Verifier, spans: list[str]) -> None:
    v = verifier.check(RAISED, spans)
    assert not v.supported
    if not spans:
        assert v.score == 0.0


@pytest.mark.parametrize("sentence", ["", "   ", "\n"])
def test_empty_sentence_is_not_supported(verifier: Verifier, sentence: str) -> None:
    v = verifier.check(sentence, [RAISED])
    assert not v.supported
    assert v.score == 0.0


def test_two_spans_support_jointly_what_neither_supports_alone(verifier: Verifier) -> None:
    sentence = (
        "The Shanghai Stock Exchange suspended Ant's IPO, which would have raised about "
        "$ 37 billion."
    )
    alone_a = verifier.check(sentence, [SUSPENDED])
    alone_b = verifier.check(sentence, [RAISED])
    joint = verifier.check(sentence, [SUSPENDED, RAISED])
    assert not alone_a.supported and "money:usd:3.7e+10" in alone_a.missing
    assert not alone_b.supported and "entity:shanghai" in alone_b.missing
    assert joint.supported, joint
    assert joint.missing == []


def test_threshold_is_validated(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match=r"1\.5"):
        Verifier(embedder, threshold=1.5)
    strict = Verifier(embedder, threshold=1.0)
    assert strict.check(RAISED, [RAISED]).supported  # a verbatim extract scores 1.0
    assert not strict.check("Ant would have raised $37 billion.", [RAISED]).supported


# -- rag.text.facts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("$ 37 billion", {"money:usd:3.7e+10"}),
        ("about $37 billion", {"money:usd:3.7e+10"}),
        ("$34.5 billion", {"money:usd:3.45e+10"}),
        ("HK$ 3 billion", {"money:hkd:3e+09"}),
        ("1,000 yuan", {"money:cny:1000"}),
        ("34.5%", {"pct:34.5"}),
        ("50 percent", {"pct:50"}),
        ("50 per cent", {"pct:50"}),
        ("in 2020", {"num:2020"}),
        ("one billion users", {"num:1e+09"}),
        ("1 billion users", {"num:1e+09"}),
        ("two people", {"num:2"}),
        ("more than half of the market", {"num:0.5"}),
        ("originally set for November 5th", set()),  # a date, not a bare number
        ("no figures here", set()),
    ],
)
def test_number_facts(text: str, facts: set[str]) -> None:
    assert number_facts(text) == facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("November 5th", {"date:11-05", "month:11"}),
        ("5 November", {"date:11-05", "month:11"}),
        ("the 5th of November", {"date:11-05", "month:11"}),
        ("December 31st", {"date:12-31", "month:12"}),
        ("on Saturday, December 26th", {"weekday:saturday", "date:12-26", "month:12"}),
        ("since December", {"month:12"}),
        ("May 5", {"date:05-05", "month:05"}),
        ("they may go", set()),  # lower-case 'may' is a verb
        ("no dates here", set()),
    ],
)
def test_date_facts(text: str, facts: set[str]) -> None:
    assert date_facts(text) == facts


def test_abbreviated_month_gives_the_same_date() -> None:
    assert "date:12-31" in date_facts("Dec. 31")
    assert date_facts("Dec. 31") == date_facts("December 31")


def test_entities() -> None:
    got = entities(
        "However, Ant Group was asked by Pan Gongsheng in December to meet the Shanghai "
        "Stock Exchange rules."
    )
    assert got == {"ant", "pan", "gongsheng", "shanghai", "stock", "exchange"}
    assert entities("The Chinese central bank said so on Monday.") == frozenset()
    assert "alibaba" in entities("Regulators warned Alibaba’s founder.")  # possessive dropped
    assert entities("") == frozenset()


@pytest.mark.parametrize(
    ("sentence", "evidence", "missing"),
    [
        (RAISED, RAISED, []),
        ("Ant would have raised $37 billion.", RAISED, []),
        ("Ant would have raised $40 billion.", RAISED, ["money:usd:4e+10"]),
        ("China's central bank met Ant.", "The Chinese central bank met Ant Group.", []),
        ("Ant met Alibaba.", "Ant met the regulators.", ["entity:alibaba"]),
        (
            "Ant met regulators on December 27.",
            "Ant met regulators on Saturday, December 26th.",
            ["date:12-27"],
        ),
        ("Ant has 1 billion users.", "Ant has more than one billion users.", []),
        ("The listing was stopped.", "", []),
    ],
)
def test_missing_facts(sentence: str, evidence: str, missing: list[str]) -> None:
    assert missing_facts(sentence, evidence) == missing


def test_missing_facts_empty_sentence() -> None:
    assert missing_facts("", RAISED) == []
