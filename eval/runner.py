"""A full evaluation run: retrieval and answers over the question set, with fingerprints."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.answers import answer_metrics
from eval.harness import Timing, git_commit, package_versions, settings_digest
from eval.metrics import bootstrap_ci, confusion, mean, mrr_at_k, recall_at_k
from eval.questions import Question
from eval.retrieval import evaluate_questions
from rag import Engine
from rag.answer.verify import Verifier

log = logging.getLogger(__name__)

HEADLINE = (
    "evidence_recall_at_5",
    "evidence_mrr_at_10",
    "key_fact_coverage",
    "citation_validity",
    "gold_evidence_overlap",
    "status_accuracy",
    "abstention_rate",
    "false_abstention_rate",
    "citation_recall",
    "citation_precision",
)


def fingerprints(engine: Engine, questions_path: Path, llm: str | None) -> dict[str, Any]:
    """Everything that can change a score; two runs are comparable when these match."""
    manifest = engine.index.manifest
    return {
        "corpus_sha256": manifest.get("corpus_fingerprint"),
        "index_version": manifest.get("version"),
        "index_files_sha256": hashlib.sha256(
            json.dumps(manifest.get("files", {}), sort_keys=True).encode()
        ).hexdigest(),
        "settings_sha256": settings_digest(engine.settings),
        "questions_sha256": hashlib.sha256(questions_path.read_bytes()).hexdigest(),
        "model_id": manifest.get("model_id"),
        "embedding_backend": manifest.get("embedding_backend"),
        "llm": llm or engine.settings.llm.backend,
        "packages": package_versions(),
        "git_commit": git_commit(),
    }


COMPARABLE_KEYS = ("corpus_sha256", "settings_sha256", "questions_sha256", "model_id", "llm")


def _question_record(
    engine: Engine,
    q: Question,
    ranking: dict[str, list[int]] | None,
    documents: dict[str, str],
    verifier: Verifier,
    llm: str | None,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    answer = engine.ask(q.question, llm=llm).to_dict()
    wall = (time.perf_counter() - t0) * 1000
    rec: dict[str, Any] = {
        "id": q.id,
        "question": q.question,
        "category": q.category,
        "expected_status": q.expected_status,
        "answer": answer,
        "metrics": answer_metrics(answer, q, documents, verifier),
        "timings_ms": {**answer["timings_ms"], "wall": round(wall, 2)},
    }
    if ranking is not None:
        passages = engine.index.passages
        spans = [(passages[i].doc_id, passages[i].start, passages[i].end) for i in ranking["final"]]
        gold = [(e.doc_id, e.start, e.end) for e in q.evidence]
        rec["metrics"]["evidence_recall_at_5"] = recall_at_k(spans, gold, 5)
        rec["metrics"]["evidence_mrr_at_10"] = mrr_at_k(spans, gold, 10)
        rec["retrieved"] = [list(s) for s in spans[:5]]
    return rec


def _rate(values: Sequence[bool | None]) -> list[float]:
    return [1.0 if v else 0.0 for v in values if v is not None]


def aggregate(per_q: list[dict[str, Any]]) -> dict[str, Any]:
    """Headline metrics with bootstrap 95% intervals, confusion table, latencies."""
    m = [r["metrics"] for r in per_q]
    answerable = [r for r in per_q if r["expected_status"] != "unanswerable"]
    unanswerable = [r for r in per_q if r["expected_status"] == "unanswerable"]
    series: dict[str, list[float]] = {
        "evidence_recall_at_5": [x["evidence_recall_at_5"] for x in m if "evidence_recall_at_5" in x
                                 and x["key_fact_coverage"] is not None],
        "evidence_mrr_at_10": [x["evidence_mrr_at_10"] for x in m if "evidence_mrr_at_10" in x
                               and x["key_fact_coverage"] is not None],
        "key_fact_coverage": [x["key_fact_coverage"] for x in m
                              if x["key_fact_coverage"] is not None],
        "citation_validity": [x["citation_validity"] for x in m],
        "gold_evidence_overlap": _rate([x["gold_overlap"] for x in m]),
        "status_accuracy": _rate([x["status_ok"] for x in m]),
        "abstention_rate": _rate([r["metrics"]["abstained"] for r in unanswerable]),
        "false_abstention_rate": _rate([r["metrics"]["abstained"] for r in answerable]),
        "citation_recall": [x["citation_recall"] for x in m if not x["abstained"]],
        "citation_precision": [x["citation_precision"] for x in m if not x["abstained"]],
        "token_f1": [x["token_f1"] for x in m],
        "conflicts_found": _rate([x["conflict_found"] for x in m]),
    }  # fmt: skip
    headline = {}
    for name, values in series.items():
        mu, lo, hi = bootstrap_ci(values, n_resamples=1000, seed=0)
        headline[name] = {"value": round(mu, 4), "ci95": [round(lo, 4), round(hi, 4)],
                          "n": len(values)}  # fmt: skip
    latency = {}
    for stage in ("retrieve", "answer", "total"):
        latency[stage] = Timing(tuple(r["timings_ms"].get(stage, 0.0) for r in per_q)).summary()
    return {
        "headline": headline,
        "confusion": confusion([r["expected_status"] for r in per_q], [x["status"] for x in m]),
        "latency_ms": latency,
    }


def run_eval(
    engine: Engine,
    questions: list[Question],
    questions_path: Path,
    llm: str | None = None,
    briefing_topics: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run every question through retrieval and the answerer; return the run record."""
    started = time.time()
    documents = {d.doc_id: d.text for d in engine.documents()}
    verifier = Verifier(engine.embedder, engine.settings.answer.support_threshold)
    stage_rows, rankings = evaluate_questions(engine, questions)
    ranked_ids = [q.id for q in questions if q.answerable and q.evidence]
    by_id = dict(zip(ranked_ids, rankings, strict=True))
    per_q = []
    for q in questions:
        per_q.append(_question_record(engine, q, by_id.get(q.id), documents, verifier, llm))
        if progress:
            progress(1)
    agg = aggregate(per_q)
    agg["retrieval"] = [r.row() for r in stage_rows]
    return {
        "run_id": time.strftime("%Y%m%dT%H%M%S", time.gmtime(started))
        + "-"
        + hashlib.sha256(str(started).encode()).hexdigest()[:6],
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 2),
        "fingerprints": fingerprints(engine, questions_path, llm),
        "aggregates": agg,
        "briefings": briefing_checks(engine, briefing_topics, documents, verifier),
        "questions": per_q,
    }


def briefing_checks(
    engine: Engine, topics: Sequence[str], documents: dict[str, str], verifier: Verifier
) -> list[dict[str, Any]]:
    """Every briefing sentence verified against its citations; every reference resolves."""
    brief = getattr(engine, "brief", None)
    if brief is None or not topics:
        return []
    out = []
    for topic in topics:
        b = brief(topic)
        data = b.to_dict() if hasattr(b, "to_dict") else dict(b)
        cites = {c["marker"]: c for c in data.get("citations", [])}
        resolved = all(
            documents.get(c["doc_id"], "")[c["start"] : c["end"]] == c["quote"]
            for c in cites.values()
        )
        sentences = data.get("sentences", [])
        verified = [
            verifier.check(
                s["text"], [cites[m]["quote"] for m in s["citations"] if m in cites]
            ).supported
            or s.get("support", 0) >= 1.0
            for s in sentences
            if s.get("citations")
        ]
        uncited = sum(1 for s in sentences if not s.get("citations"))
        out.append({
            "topic": topic,
            "sentences": len(sentences),
            "verified_share": round(mean([float(v) for v in verified]), 4) if verified else None,
            "uncited_sentences": uncited,
            "references_resolve": resolved,
        })  # fmt: skip
    return out


def comparable(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Fingerprint keys on which two runs differ (empty: comparable)."""
    fa, fb = a.get("fingerprints", {}), b.get("fingerprints", {})
    return [k for k in COMPARABLE_KEYS if fa.get(k) != fb.get(k)]
