"""What an answer starts from: the question's evidence, gathered by the Answerer."""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.answerability import Answerability
from rag.answer.reading import Reading
from rag.answer.scored import FloatArray, ScoredSentence
from rag.text.focus import QuestionFocus
from rag.types import SearchResult


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an answer starts from: the cleaned question, its vector, the search result, its
    sentences scored for the question, and how answerable the question is from them."""

    question: str
    vector: FloatArray
    result: SearchResult
    sentences: list[ScoredSentence]
    verdict: Answerability
    focus: QuestionFocus
    reading: Reading

    @property
    def features(self) -> dict[str, float]:
        """What the calibrated decision reads: the evidence score and the reading signals."""
        return {"score": self.verdict.score, **self.reading.signals}
