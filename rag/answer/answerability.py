"""How well the retrieved evidence answers a question (compared with the abstain threshold)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer.scored import Candidate, candidates, term_stats
from rag.text.questions import question_types, split_parts, unmatched_names
from rag.text.tokens import tokenize
from rag.types import SearchHit

if TYPE_CHECKING:
    from rag.engine import Engine


OOV_PENALTY = 0.35  # weight of question terms the corpus never uses
UNKNOWN_NAME_PENALTY = 0.2  # per name or year of the question the evidence never mentions
EVIDENCE_SENTENCES = 8


def evidence_strength(cands: list[Candidate], question: str, engine: Engine) -> float:
    """How well the best evidence answers the question; compared with a calibrated threshold.

    The best candidate that holds the asked-for answer type counts, less a penalty for
    question terms the corpus never uses (a question about something it does not mention).
    """
    if not cands:
        return 0.0
    typed = [c for c in cands if c.type_ok] or cands
    best = max(c.score for c in typed)
    docs = engine.index.documents
    evidence = " ".join(c.text for c in cands[:EVIDENCE_SENTENCES])
    years = {(docs[c.doc_id].published or "")[:4] for c in cands}
    unknown = unmatched_names(question, evidence, {y for y in years if y})
    best -= UNKNOWN_NAME_PENALTY * min(len(unknown), 2)
    stats = term_stats(engine.index)
    terms = list(dict.fromkeys(tokenize(question)))
    if not terms:
        return best
    total = sum(stats.idf(t) for t in terms)
    oov = sum(stats.idf(t) for t in terms if not stats.known(t)) / total
    return best - OOV_PENALTY * oov


@dataclass(frozen=True, slots=True)
class Answerability:
    """The score compared with the abstain threshold, the parts of a multi-part question
    below it, and the best sentence row of each covered part (the answer leads with those)."""

    score: float
    missing: list[str]
    lead_rows: list[int]


def part_strengths(
    engine: Engine, question: str, hits: list[SearchHit]
) -> dict[str, tuple[float, int | None]]:
    """Evidence strength and best sentence row of each part of a multi-part question
    ({} for a single question)."""
    parts = split_parts(question)
    if len(parts) < 2:
        return {}
    out: dict[str, tuple[float, int | None]] = {}
    for i, part in enumerate(parts):
        # "..., and who set it?": a part with under two content words is about the first part
        query = part if i == 0 or len(tokenize(part)) >= 2 else f"{part} ({parts[0]})"
        pvec = engine.embedder.embed_query(query)
        kinds = question_types(part)
        pc = candidates(engine.index, hits, query, pvec, kinds)
        # the best sentence of the asked-for type, else the best sentence
        best = next((c for c in pc if c.type_ok), pc[0] if pc else None)
        out[part.rstrip("?")] = (evidence_strength(pc, query, engine), best.row if best else None)
    return out


def answerability(
    engine: Engine, question: str, hits: list[SearchHit], cands: list[Candidate]
) -> Answerability:
    """How answerable the question is from the retrieved evidence.

    A multi-part question is as answerable as its best-covered part; its uncovered parts are
    reported as missing.
    """
    parts = part_strengths(engine, question, hits)
    threshold = engine.settings.answer.abstain_threshold
    if not parts:
        return Answerability(evidence_strength(cands, question, engine), [], [])
    covered = [row for v, row in parts.values() if v >= threshold and row is not None]
    return Answerability(
        max(v for v, _ in parts.values()),
        [p for p, (v, _) in parts.items() if v < threshold],
        list(dict.fromkeys(covered)),
    )
