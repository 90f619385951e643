"""How well the abstention score separates answerable from unanswerable questions.

For each labelled question the engine's answerability score (the number it compares with
``answer.abstain_threshold``) is computed on the question's own retrieval; the table shows,
threshold by threshold, how many unanswerable questions would be abstained on and how many
answerable ones would be refused, plus the ROC AUC of the score. Any JSONL file whose lines
carry ``question`` and ``answerable`` will do (the question set, or the separate calibration
set in tests/data/abstain_calibration.jsonl).

Usage::

    rag eval --abstention [--questions FILE] [--json]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rag import Engine, RagError


class LabelledSetError(RagError, ValueError):
    """A line of the labelled file lacks a question or its answerable flag."""


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    question: str
    answerable: bool
    score: float


def read_labelled(path: Path) -> list[tuple[str, str, bool]]:
    """(id, question, answerable) from a JSONL file; a bad line names its number."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            question, answerable = d["question"], d["answerable"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelledSetError(f"{path}:{n}: needs 'question' and 'answerable'") from exc
        if not isinstance(question, str) or not isinstance(answerable, bool):
            raise LabelledSetError(f"{path}:{n}: 'question' must be text, 'answerable' a bool")
        rows.append((str(d.get("id", n)), question, answerable))
    return rows


def score_questions(engine: Engine, rows: Sequence[tuple[str, str, bool]]) -> list[Scored]:
    out = []
    answerer = engine.snapshot.answerer  # one index version for the whole set
    for qid, question, answerable in rows:
        score = answerer.evidence(question).verdict.score
        out.append(Scored(qid, question, answerable, round(score, 4)))
    return out


def _split(scored: Sequence[Scored]) -> tuple[list[float], list[float]]:
    """Scores of the answerable and of the unanswerable questions."""
    return [s.score for s in scored if s.answerable], [s.score for s in scored if not s.answerable]


def roc_auc(scored: Sequence[Scored]) -> float:
    """Probability that an answerable question outscores an unanswerable one (ties half)."""
    pos, neg = _split(scored)
    if not pos or not neg:
        return float("nan")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def curve(scored: Sequence[Scored], thresholds: Sequence[float]) -> list[dict[str, float]]:
    """Per threshold: share of unanswerable abstained on, share of answerable refused."""
    pos, neg = _split(scored)
    rows = []
    for t in thresholds:
        rows.append(
            {
                "threshold": t,
                "abstained_unanswerable": sum(v < t for v in neg) / len(neg) if neg else 0.0,
                "false_abstentions": sum(v < t for v in pos) / len(pos) if pos else 0.0,
            }
        )
    return rows


def format_curve(scored: Sequence[Scored], rows: Sequence[dict[str, float]], title: str) -> str:
    n_pos = sum(s.answerable for s in scored)
    lines = [
        f"{title}: {n_pos} answerable, {len(scored) - n_pos} unanswerable, "
        f"ROC AUC {roc_auc(scored):.3f}",
        "",
        "| threshold | unanswerable abstained | answerable refused |",
        "|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['threshold']:.2f} | {r['abstained_unanswerable']:.3f} "
            f"| {r['false_abstentions']:.3f} |"
        )
    return "\n".join(lines)
