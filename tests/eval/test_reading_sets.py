"""eval/sets: all five batches of reading halves are valid against the corpus and disjoint."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from eval.questions import load_questions
from rag.index.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[2]
SETS = ROOT / "eval" / "sets"
HALVES = ("reading_train.jsonl", "reading_test.jsonl")
HALVES2 = ("reading_train2.jsonl", "reading_test2.jsonl")
HALVES3 = ("reading_train3.jsonl", "reading_test3.jsonl")
HALVES4 = ("reading_train4.jsonl", "reading_test4.jsonl")
HALVES5 = ("reading_train5.jsonl", "reading_test5.jsonl")
ALL = HALVES + HALVES2 + HALVES3 + HALVES4 + HALVES5
SIZES = {
    HALVES[0]: 85,
    HALVES[1]: 85,
    HALVES2[0]: 50,
    HALVES2[1]: 50,
    HALVES3[0]: 50,
    HALVES3[1]: 50,
    HALVES4[0]: 24,
    HALVES4[1]: 24,
    HALVES5[0]: 40,
    HALVES5[1]: 40,
}
ANSWER_TYPES = {
    "amount", "count", "percent", "date", "person", "organisation",
    "place", "reason", "manner", "quote", "yes/no", "list",
}  # fmt: skip
STATUS_BY_CATEGORY = {
    "near_topic": {"partial", "unanswerable"},
    "paraphrase": {"answered"},
    "ordinary": {"answered"},
}


def documents() -> dict[str, str]:
    docs, _ = load_corpus(ROOT / "corpus")
    return {d.doc_id: d.text for d in docs}


def raw(name: str) -> list[dict[str, Any]]:
    lines = (SETS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def both() -> list[dict[str, Any]]:
    return raw(HALVES[0]) + raw(HALVES[1])


@pytest.mark.parametrize("name", ALL)
def test_half_loads_with_exact_offsets(name: str) -> None:
    docs = documents()
    questions = load_questions(SETS / name, docs)
    assert len(questions) == SIZES[name]
    for q in questions:
        for ev in q.evidence:
            assert docs[ev.doc_id][ev.start : ev.end] == ev.quote


@pytest.mark.parametrize("name", ALL)
def test_reading_fields(name: str) -> None:
    for r in raw(name):
        status, category = r["expected_status"], r["category"]
        assert status in STATUS_BY_CATEGORY[category], r["id"]
        assert r["answer_type"] in ANSWER_TYPES, r["id"]
        assert r["focus"].strip(), r["id"]
        assert bool(r["missing"].strip()) == (category == "near_topic"), r["id"]
        if status == "unanswerable":
            assert r["evidence"] == [] and r["key_facts"] == [] and r["gold_docs"] == []
        else:
            assert r["evidence"] and r["key_facts"], r["id"]
            said = " ".join(e["quote"] for e in r["evidence"]).lower()
            for group in r["key_facts"]:
                assert any(alt.lower() in said for alt in group), (r["id"], group)


def test_counts_and_answer_types() -> None:
    rows = both()
    assert len(rows) >= 160
    categories = Counter(r["category"] for r in rows)
    assert categories["near_topic"] >= 65 and categories["paraphrase"] >= 65
    statuses = Counter(r["expected_status"] for r in rows if r["category"] == "near_topic")
    assert statuses["partial"] >= 20 and statuses["unanswerable"] >= 20
    assert {r["answer_type"] for r in rows if r["category"] == "near_topic"} == ANSWER_TYPES
    assert len({r["answer_type"] for r in rows if r["answerable"]}) >= 11


@pytest.mark.parametrize("halves", [HALVES, HALVES2, HALVES3, HALVES4, HALVES5])
def test_halves_are_disjoint_and_stratified(halves: tuple[str, str]) -> None:
    train, test = raw(halves[0]), raw(halves[1])
    assert not {r["question"].lower() for r in train} & {r["question"].lower() for r in test}

    def strata(rows: list[dict[str, Any]]) -> Counter[tuple[str, bool]]:
        return Counter((r["category"], r["answerable"]) for r in rows)

    a, b = strata(train), strata(test)
    assert set(a) == set(b)
    assert all(abs(a[k] - b[k]) <= 1 for k in a)


BATCH_COUNTS = {
    HALVES2: (range(171, 271), (40, 25, 25, 10)),
    HALVES3: (range(271, 371), (35, 20, 35, 10)),
}


@pytest.mark.parametrize("halves", [HALVES2, HALVES3])
def test_later_batch_counts(halves: tuple[str, str]) -> None:
    rows = raw(halves[0]) + raw(halves[1])
    ids, counts = BATCH_COUNTS[halves]
    assert sorted(int(r["id"][1:]) for r in rows) == list(ids)
    strata = Counter((r["category"], r["expected_status"]) for r in rows)
    keys = [
        ("near_topic", "partial"),
        ("near_topic", "unanswerable"),
        ("paraphrase", "answered"),
        ("ordinary", "answered"),
    ]
    assert strata == dict(zip(keys, counts, strict=True))
    partial_types = {r["answer_type"] for r in rows if r["expected_status"] == "partial"}
    assert partial_types == ANSWER_TYPES
    partial_docs = {r["gold_docs"][0] for r in rows if r["expected_status"] == "partial"}
    assert partial_docs == set(documents())


def test_fourth_batch_is_reasons_and_manners() -> None:
    """r371-r418 (issue #18): only why/how questions, in fixed strata, split evenly per kind."""
    train, test = raw(HALVES4[0]), raw(HALVES4[1])
    rows = train + test
    assert sorted(int(r["id"][1:]) for r in rows) == list(range(371, 419))

    def strata(rows: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
        return Counter((r["category"], r["expected_status"], r["answer_type"]) for r in rows)

    assert strata(rows) == {
        ("near_topic", "partial", "reason"): 16,
        ("near_topic", "partial", "manner"): 8,
        ("paraphrase", "answered", "reason"): 12,
        ("paraphrase", "answered", "manner"): 6,
        ("ordinary", "answered", "reason"): 4,
        ("ordinary", "answered", "manner"): 2,
    }
    assert strata(train) == strata(test)
    assert not {r["id"] for r in train} & {r["id"] for r in test}
    partial_docs = {r["gold_docs"][0] for r in rows if r["expected_status"] == "partial"}
    assert partial_docs == set(documents())


def test_fifth_batch_is_plain_and_mostly_answerable() -> None:
    """r419-r498: plainly worded, 50 answered / 20 partial / 10 unanswerable, split evenly."""
    train, test = raw(HALVES5[0]), raw(HALVES5[1])
    rows = train + test
    assert sorted(int(r["id"][1:]) for r in rows) == list(range(419, 499))
    assert not {r["id"] for r in train} & {r["id"] for r in test}

    def strata(rows: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
        return Counter((r["category"], r["expected_status"]) for r in rows)

    assert strata(rows) == {
        ("ordinary", "answered"): 50,
        ("near_topic", "partial"): 20,
        ("near_topic", "unanswerable"): 10,
    }
    assert strata(train) == strata(test)
    answered = Counter(r["answer_type"] for r in rows if r["expected_status"] == "answered")
    assert answered["reason"] >= 14 and answered["date"] >= 8
    assert answered["person"] + answered["organisation"] >= 8
    assert answered["amount"] + answered["count"] >= 6
    partial = [r for r in rows if r["expected_status"] == "partial"]
    assert sum(r["question"].startswith("Why") for r in partial) >= 6
    assert (
        sum(r["question"].startswith("How") and r["answer_type"] == "manner" for r in partial) >= 4
    )
    assert {r["gold_docs"][0] for r in partial} == set(documents())
    assert {r["gold_docs"][0] for r in rows if r["expected_status"] == "answered"} == set(
        documents()
    )


def test_ids_and_questions_unique_across_all_files() -> None:
    rows = [r for name in ALL for r in raw(name)]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    questions = [r["question"].strip().lower() for r in rows]
    assert len(questions) == len(set(questions))


def test_no_question_from_the_other_sets() -> None:
    others = set()
    for path in (ROOT / "eval" / "questions.jsonl", ROOT / "tests/data/abstain_calibration.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            others.add(json.loads(line)["question"].strip().lower())
    rows = [r for name in ALL for r in raw(name)]
    assert not {r["question"].strip().lower() for r in rows} & others
