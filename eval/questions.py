"""Load and validate an evaluation question set (JSON Lines; format in eval/README.md).

Usage::

    from pathlib import Path
    from rag.index.corpus import load_corpus
    from eval.questions import load_questions

    docs, _ = load_corpus(Path("corpus"))
    questions = load_questions(Path("eval/questions.jsonl"), {d.doc_id: d.text for d in docs})

Every problem is reported as a :class:`QuestionSetError` whose message starts with
``<file>:<line>:`` (1-based), so a broken line can be found and fixed directly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rag import RagError
from rag.types import Status

Category = Literal[
    "fact",
    "why_how",
    "number_date",
    "multi_doc",
    "paraphrase",
    "keyword",
    "conflict",
    "multi_part",
    "unanswerable",
    "near_topic",
    "ordinary",
]

NonEmptyStr = Annotated[str, Field(min_length=1)]


class QuestionSetError(RagError):
    """A question-set file is unreadable or one of its lines is invalid.

    ``str(err)`` is ``"<path>:<line>: <reason>"`` (or ``"<path>: <reason>"`` when no single
    line is at fault); the parts are also available as attributes.
    """

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


class Evidence(BaseModel):
    """A passage that carries the answer: ``document_text[start:end] == quote``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    doc_id: NonEmptyStr
    start: int = Field(strict=True)
    end: int = Field(strict=True)
    quote: str


class Question(BaseModel):
    """One line of a question set. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: NonEmptyStr
    question: str
    answerable: bool = Field(strict=True)
    expected_status: Status
    category: Category = "fact"
    gold_docs: list[NonEmptyStr] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    reference_answer: str = ""
    key_facts: list[Annotated[list[NonEmptyStr], Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _default_status(cls, data: Any) -> Any:
        """Derive a missing ``expected_status`` from ``answerable``."""
        if isinstance(data, dict) and "expected_status" not in data:
            answerable = data.get("answerable")
            if isinstance(answerable, bool):
                status = "answered" if answerable else "unanswerable"
                return {**data, "expected_status": status}
        return data

    @field_validator("question")
    @classmethod
    def _question_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is empty")
        return value

    @model_validator(mode="after")
    def _status_matches_answerable(self) -> Question:
        if self.answerable != (self.expected_status != "unanswerable"):
            raise ValueError(
                f"answerable={self.answerable} contradicts expected_status={self.expected_status!r}"
            )
        return self


def _format_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else str(err["msg"]))
    return "schema error: " + "; ".join(parts)


def _check_against_documents(q: Question, documents: Mapping[str, str]) -> str | None:
    """The first reason ``q`` does not fit ``documents``, or None."""
    for doc_id in q.gold_docs:
        if doc_id not in documents:
            return f"gold_docs: unknown doc_id {doc_id!r}"
    for i, ev in enumerate(q.evidence):
        text = documents.get(ev.doc_id)
        if text is None:
            return f"evidence {i}: unknown doc_id {ev.doc_id!r}"
        if ev.start >= ev.end:
            return f"evidence {i}: start {ev.start} >= end {ev.end}"
        if ev.start < 0 or ev.end > len(text):
            return (
                f"evidence {i}: span [{ev.start}, {ev.end}) out of range for "
                f"{ev.doc_id} (length {len(text)})"
            )
        if text[ev.start : ev.end] != ev.quote:
            return f"evidence {i} quote does not match {ev.doc_id}[{ev.start}:{ev.end}]"
        if ev.doc_id not in q.gold_docs:
            return f"evidence {i}: doc_id {ev.doc_id!r} is not in gold_docs"
    return None


def _parse_line(path: Path, lineno: int, raw: bytes) -> Question:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(path, lineno, f"not UTF-8 (byte {exc.start})") from exc
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise QuestionSetError(
            path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"
        ) from exc
    try:
        return Question.model_validate(data)
    except ValidationError as exc:
        raise QuestionSetError(path, lineno, _format_validation_error(exc)) from exc


def load_questions(path: Path, documents: Mapping[str, str]) -> list[Question]:
    """Parse and check every non-blank line of a question-set file.

    ``documents`` maps ``doc_id`` to the document text that evidence offsets index into.
    Raises :class:`QuestionSetError` (naming the file and the 1-based line) for unreadable
    files, invalid JSON or UTF-8, schema errors (including an empty question and
    ``answerable`` contradicting ``expected_status``), duplicate ids, unknown doc_ids,
    empty/reversed or out-of-range evidence spans, a quote that differs from
    ``text[start:end]``, and evidence from a document missing from ``gold_docs``.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionSetError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    questions: list[Question] = []
    first_seen: dict[str, int] = {}
    # Split on "\n" only: U+2028 and friends may legitimately appear inside JSON strings.
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        q = _parse_line(path, lineno, raw)
        if q.id in first_seen:
            raise QuestionSetError(
                path, lineno, f"duplicate id {q.id!r} (first on line {first_seen[q.id]})"
            )
        first_seen[q.id] = lineno
        reason = _check_against_documents(q, documents)
        if reason is not None:
            raise QuestionSetError(path, lineno, reason)
        questions.append(q)
    return questions
