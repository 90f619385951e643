"""eval.questions: the real question set validates; each kind of bad line is rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.questions import Question, QuestionSetError, load_questions
from rag.index.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[2]

DOCS = {
    "000_x": "Ant\u2019s IPO would have raised about $ 37 billion. Regulators objected.",
    "001_y": "Other text.",
}


def good(**changes: Any) -> dict[str, Any]:
    q: dict[str, Any] = {
        "id": "q001",
        "question": "How much would the IPO have raised?",
        "answerable": True,
        "expected_status": "answered",
        "category": "number_date",
        "gold_docs": ["000_x"],
        "evidence": [{"doc_id": "000_x", "start": 0, "end": 47, "quote": DOCS["000_x"][0:47]}],
        "reference_answer": "About $37 billion.",
        "key_facts": [["37 billion"]],
    }
    q.update(changes)
    return q


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dump(q: dict[str, Any]) -> str:
    return json.dumps(q, ensure_ascii=False)


def reject(tmp_path: Path, lines: list[str], line: int, fragment: str) -> QuestionSetError:
    path = write(tmp_path, lines)
    with pytest.raises(QuestionSetError) as info:
        load_questions(path, DOCS)
    message = str(info.value)
    assert f"questions.jsonl:{line}: " in message
    assert fragment in message
    assert info.value.line == line
    return info.value


# --------------------------------------------------------------------------- the real file


def test_real_question_set_validates_against_real_corpus() -> None:
    docs, _ = load_corpus(ROOT / "corpus")
    documents = {d.doc_id: d.text for d in docs}
    questions = load_questions(ROOT / "eval" / "questions.jsonl", documents)
    assert len(questions) == 76
    assert [q.id for q in questions] == [f"q{i:03d}" for i in range(1, 77)]
    for q in questions:
        assert q.answerable == (q.expected_status != "unanswerable")
        assert (q.category == "multi_part") == (q.expected_status == "partial")
        if q.expected_status == "unanswerable":
            assert not q.evidence and not q.gold_docs and not q.key_facts
        for ev in q.evidence:
            assert documents[ev.doc_id][ev.start : ev.end] == ev.quote


# --------------------------------------------------------------------------- accepted input


def test_good_file_with_blank_lines(tmp_path: Path) -> None:
    second = good(id="q002", gold_docs=["000_x", "001_y"])
    path = write(tmp_path, ["", dump(good()), "   ", dump(second), ""])
    questions = load_questions(path, DOCS)
    assert [q.id for q in questions] == ["q001", "q002"]
    assert questions[0].evidence[0].quote == DOCS["000_x"][0:47]
    assert questions[0].key_facts == [["37 billion"]]


def test_defaults_and_extra_fields() -> None:
    q = Question.model_validate(
        {"id": "q9", "question": "Who?", "answerable": True, "notes": "ignored"}
    )
    assert q.expected_status == "answered"
    assert q.category == "fact"
    assert q.gold_docs == [] and q.evidence == [] and q.key_facts == []
    assert not hasattr(q, "notes")
    unanswerable = Question.model_validate({"id": "q10", "question": "Who?", "answerable": False})
    assert unanswerable.expected_status == "unanswerable"


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_bytes((dump(good()) + "\r\n").encode("utf-8"))
    assert len(load_questions(path, DOCS)) == 1


# --------------------------------------------------------------------------- rejections


def test_rejects_invalid_json(tmp_path: Path) -> None:
    reject(tmp_path, [dump(good()), '{"id": "q002",'], 2, "invalid JSON")


def test_rejects_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_bytes(dump(good()).encode() + b"\n\xff\xfe\n")
    with pytest.raises(QuestionSetError, match=r"questions\.jsonl:2: not UTF-8"):
        load_questions(path, DOCS)


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ({k: v for k, v in good().items() if k != "id"}, "id: Field required"),
        (good(answerable="yes"), "answerable"),
        (good(expected_status="maybe"), "expected_status"),
        (good(category="trivia"), "category"),
        (
            good(evidence=[{"doc_id": "000_x", "start": "0", "end": 48, "quote": "x"}]),
            "evidence.0.start",
        ),
        (good(key_facts=[[]]), "key_facts.0"),
        (good(answerable=False), "contradicts expected_status"),
        ([1, 2, 3], "schema error"),
    ],
)
def test_rejects_schema_errors(tmp_path: Path, q: Any, fragment: str) -> None:
    reject(tmp_path, [dump(good(id="q000")), json.dumps(q)], 2, fragment)


@pytest.mark.parametrize("text", ["", "   \t"])
def test_rejects_empty_question(tmp_path: Path, text: str) -> None:
    reject(tmp_path, [dump(good(question=text))], 1, "question is empty")


def test_rejects_duplicate_id(tmp_path: Path) -> None:
    err = reject(tmp_path, [dump(good()), "", dump(good())], 3, "duplicate id 'q001'")
    assert "first on line 1" in str(err)


def test_rejects_unknown_gold_doc(tmp_path: Path) -> None:
    reject(tmp_path, [dump(good(gold_docs=["000_x", "999_z"]))], 1, "unknown doc_id '999_z'")


def test_rejects_unknown_evidence_doc(tmp_path: Path) -> None:
    ev = {"doc_id": "999_z", "start": 0, "end": 3, "quote": "Ant"}
    reject(tmp_path, [dump(good(evidence=[ev]))], 1, "evidence 0: unknown doc_id '999_z'")


@pytest.mark.parametrize(
    ("start", "end", "fragment"),
    [
        (5, 5, "start 5 >= end 5"),
        (9, 4, "start 9 >= end 4"),
        (-1, 4, "out of range"),
        (60, 500, "out of range for 000_x"),
    ],
)
def test_rejects_bad_offsets(tmp_path: Path, start: int, end: int, fragment: str) -> None:
    evidence = [
        {"doc_id": "000_x", "start": 0, "end": 3, "quote": "Ant"},
        {"doc_id": "000_x", "start": start, "end": end, "quote": "x"},
    ]
    err = reject(tmp_path, [dump(good()), dump(good(id="q002", evidence=evidence))], 2, fragment)
    assert "evidence 1" in str(err)


def test_rejects_quote_mismatch(tmp_path: Path) -> None:
    # straight apostrophe where the document has a curly one: no normalisation is allowed
    ev = {"doc_id": "000_x", "start": 0, "end": 9, "quote": "Ant's IPO"}
    reject(tmp_path, [dump(good(evidence=[ev]))], 1, "evidence 0 quote does not match 000_x[0:9]")


def test_rejects_evidence_outside_gold_docs(tmp_path: Path) -> None:
    ev = {"doc_id": "001_y", "start": 0, "end": 5, "quote": "Other"}
    reject(tmp_path, [dump(good(evidence=[ev]))], 1, "not in gold_docs")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionSetError, match="cannot read"):
        load_questions(tmp_path / "nope.jsonl", DOCS)
