"""Retrieval evaluation: per-stage recall@k, MRR@10 and nDCG@10 at evidence and document level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.metrics import (
    doc_mrr_at_k,
    doc_ndcg_at_k,
    doc_recall_at_k,
    mean,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
)
from eval.questions import Question
from rag import Engine
from rag.settings import RetrievalSettings

STAGES = ("bm25", "dense", "fused", "final")
KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class StageScores:
    stage: str
    level: str  # "evidence" or "document"
    recall: dict[int, float]
    mrr10: float
    ndcg10: float

    def row(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "level": self.level,
            **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
            "mrr@10": round(self.mrr10, 4),
            "ndcg@10": round(self.ndcg10, 4),
        }


def stage_rankings(
    engine: Engine, query: str, retrieval: RetrievalSettings | None = None, k: int = 10
) -> dict[str, list[int]]:
    """Passage ids per stage for one query (final = after second stage and diversity)."""
    result = engine.search(query, top_k=k, retrieval=retrieval)
    return {s: list(result.stages[s])[:k] for s in STAGES}


def score_rankings(
    engine: Engine,
    rankings: Sequence[dict[str, list[int]]],
    gold_spans: Sequence[Sequence[tuple[str, int, int]]],
    gold_docs: Sequence[Sequence[str]],
) -> list[StageScores]:
    passages = engine.index.passages
    out: list[StageScores] = []
    for stage in STAGES:
        spans = [
            [(passages[i].doc_id, passages[i].start, passages[i].end) for i in r[stage]]
            for r in rankings
        ]
        docs = [[s[0] for s in row] for row in spans]
        if any(gold_spans):
            pairs = [(s, g) for s, g in zip(spans, gold_spans, strict=True) if g]
            out.append(
                StageScores(
                    stage,
                    "evidence",
                    {k: mean([recall_at_k(s, g, k) for s, g in pairs]) for k in KS},
                    mean([mrr_at_k(s, g, 10) for s, g in pairs]),
                    mean([ndcg_at_k(s, g, 10) for s, g in pairs]),
                )
            )
        dpairs = [(d, g) for d, g in zip(docs, gold_docs, strict=True) if g]
        out.append(
            StageScores(
                stage,
                "document",
                {k: mean([doc_recall_at_k(d, g, k) for d, g in dpairs]) for k in KS},
                mean([doc_mrr_at_k(d, g, 10) for d, g in dpairs]),
                mean([doc_ndcg_at_k(d, g, 10) for d, g in dpairs]),
            )
        )
    return out


def evaluate_questions(
    engine: Engine, questions: Sequence[Question], retrieval: RetrievalSettings | None = None
) -> tuple[list[StageScores], list[dict[str, list[int]]]]:
    """Scores over the answerable questions, and each question's per-stage ranking."""
    answerable = [q for q in questions if q.answerable and q.evidence]
    rankings = [stage_rankings(engine, q.question, retrieval) for q in answerable]
    gold_spans = [[(e.doc_id, e.start, e.end) for e in q.evidence] for q in answerable]
    gold_docs = [list(q.gold_docs) for q in answerable]
    return score_rankings(engine, rankings, gold_spans, gold_docs), rankings


def format_table(rows: Sequence[StageScores], title: str) -> str:
    head = ["stage", "level", *[f"R@{k}" for k in KS], "MRR@10", "nDCG@10"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.stage, r.level, *[f"{r.recall[k]:.3f}" for k in KS]]
        cells += [f"{r.mrr10:.3f}", f"{r.ndcg10:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
