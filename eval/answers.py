"""Per-question answer metrics (pure functions over an Answer dict and a Question)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.metrics import key_fact_coverage, span_overlap, token_f1
from eval.questions import Question
from rag.answer.verify import Verifier


def citation_validity(answer: Mapping[str, Any], documents: Mapping[str, str]) -> float:
    """1.0 if every quote equals its document slice and every [n] and sentence marker resolves."""
    import re

    cites = {c["marker"]: c for c in answer["citations"]}
    for c in answer["citations"]:
        text = documents.get(c["doc_id"])
        if text is None or text[c["start"] : c["end"]] != c["quote"]:
            return 0.0
    used = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    for s in answer["sentences"]:
        used.update(s["citations"])
    if answer["status"] == "unanswerable" and answer["citations"]:
        return 0.0
    return 1.0 if used <= set(cites) else 0.0


def alce_citation_scores(answer: Mapping[str, Any], verifier: Verifier) -> tuple[float, float]:
    """ALCE-style citation recall and precision, judged by our verifier (not ALCE's NLI).

    Recall: share of sentences whose citations jointly support them. Precision: share of
    citations that are not irrelevant, where a citation is irrelevant if it alone does not
    support its sentence and the sentence is still supported without it.
    """
    cites = {c["marker"]: c["quote"] for c in answer["citations"]}
    sentences = [s for s in answer["sentences"] if s["citations"]]
    if not sentences:
        return (1.0, 1.0) if answer["status"] == "unanswerable" else (0.0, 0.0)
    supported = 0
    precise = total = 0
    for s in sentences:
        quotes = [cites[m] for m in s["citations"] if m in cites]
        joint = verifier.check(s["text"], quotes).supported
        supported += int(joint)
        for i, m in enumerate(s["citations"]):
            total += 1
            alone = verifier.check(s["text"], [cites[m]]).supported if m in cites else False
            rest = quotes[:i] + quotes[i + 1 :]
            without = bool(rest) and verifier.check(s["text"], rest).supported
            precise += int(alone or not without)
    return supported / len(sentences), (precise / total if total else 0.0)


def gold_overlap(answer: Mapping[str, Any], q: Question) -> bool:
    """Whether any citation overlaps a gold evidence span."""
    gold = [(e.doc_id, e.start, e.end) for e in q.evidence]
    return any(
        span_overlap((c["doc_id"], c["start"], c["end"]), g)
        for c in answer["citations"]
        for g in gold
    )


def answer_metrics(
    answer: Mapping[str, Any],
    q: Question,
    documents: Mapping[str, str],
    verifier: Verifier,
) -> dict[str, Any]:
    """Everything one question contributes to the run's answer metrics."""
    # An unanswerable question answered in part (saying what is missing) is not answered.
    abstained = answer["status"] == "unanswerable" or (
        not q.answerable and answer["status"] == "partial"
    )
    kf = 0.0 if abstained else key_fact_coverage(answer["answer"], q.key_facts)
    c_rec, c_prec = alce_citation_scores(answer, verifier)
    return {
        "status": answer["status"],
        "status_ok": answer["status"] == q.expected_status,
        "key_fact_coverage": kf if q.answerable else None,
        "token_f1": token_f1(answer["answer"], q.reference_answer),
        "citation_validity": citation_validity(answer, documents),
        "citation_recall": c_rec,
        "citation_precision": c_prec,
        "gold_overlap": gold_overlap(answer, q) if q.answerable else None,
        "conflict_found": bool(answer["conflicts"]) if q.category == "conflict" else None,
        "abstained": abstained,
    }


def lost_facts(answer_text: str, key_facts: Sequence[Sequence[str]]) -> list[str]:
    """The key-fact groups an answer misses (first alternative of each, for diffs)."""
    from eval.metrics import normalize_text

    norm = normalize_text(answer_text)
    return [g[0] for g in key_facts if not any(normalize_text(a) in norm for a in g if a)]
