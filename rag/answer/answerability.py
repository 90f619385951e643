"""How well the retrieved evidence answers a question (compared with the abstain threshold)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.scored import ScoredSentence, TermStats, candidates, term_stats
from rag.index.embedder import Embedder
from rag.index.store import LoadedIndex
from rag.text.lexicon import lexicon
from rag.text.questions import question_types, split_parts, unmatched_names
from rag.text.tokens import tokenize
from rag.types import SearchHit

OOV_PENALTY = 0.35  # weight of question terms the corpus never uses
# A term the corpus never uses but whose other or related form, or a synonym, it does
# ("lenders" where the articles say "lending", "oversees" ~ "supervises") is a paraphrase, not
# a topic they lack: this share of its penalty is kept. Since values must be linked to the
# focus (rag.answer.reading), 0.0 answers 9 more train paraphrases for one near-topic question
# and leaves the calibration half as it was (README, "Linked values").
OOV_SYNONYM = 0.0
UNKNOWN_NAME_PENALTY = 0.2  # per name or year of the question the evidence never mentions
EVIDENCE_SENTENCES = 8


def evidence_strength(cands: list[ScoredSentence], question: str, index: LoadedIndex) -> float:
    """How well the best evidence answers the question; compared with a calibrated threshold.

    The best candidate that holds the asked-for answer type counts, less a penalty for
    question terms the corpus never uses (a question about something it does not mention).
    """
    if not cands:
        return 0.0
    typed = [c for c in cands if c.type_ok] or cands
    best = max(c.score for c in typed)
    docs = index.documents
    evidence = " ".join(c.text for c in cands[:EVIDENCE_SENTENCES])
    years = {(docs[c.doc_id].published or "")[:4] for c in cands}
    unknown = unmatched_names(question, evidence, {y for y in years if y})
    best -= UNKNOWN_NAME_PENALTY * min(len(unknown), 2)
    stats = term_stats(index)
    terms = list(dict.fromkeys(tokenize(question)))
    if not terms:
        return best
    total = sum(stats.idf(t) for t in terms)
    oov = sum(stats.idf(t) * _unknown(t, stats) for t in terms) / total
    return best - OOV_PENALTY * oov


def _unknown(term: str, stats: TermStats) -> float:
    """1 for a term the corpus never uses in any form, OOV_SYNONYM when it uses a synonym,
    0 when it uses the term, another form of it or a related form."""
    if stats.known(term):
        return 0.0
    same, derived, synonyms = lexicon().tiers(term)
    if any(stats.known(s) for s in same | derived):
        return 0.0
    if OOV_SYNONYM < 1.0 and any(stats.known(r) for r in synonyms):
        return OOV_SYNONYM
    return 1.0


@dataclass(frozen=True, slots=True)
class PartStrength:
    """One part of a multi-part question: its evidence strength and its best sentence row."""

    strength: float
    best_row: int | None


@dataclass(frozen=True, slots=True)
class Answerability:
    """The score compared with the abstain threshold, the parts of a multi-part question
    below it, and the best sentence row of each covered part (the answer leads with those)."""

    score: float
    missing: list[str]
    lead_rows: list[int]


def part_strengths(
    index: LoadedIndex, embedder: Embedder, question: str, hits: list[SearchHit]
) -> dict[str, PartStrength]:
    """Evidence strength and best sentence row of each part of a multi-part question
    ({} for a single question)."""
    parts = split_parts(question)
    if len(parts) < 2:
        return {}
    out: dict[str, PartStrength] = {}
    for i, part in enumerate(parts):
        # "..., and who set it?": a part with under two content words is about the first part
        query = part if i == 0 or len(tokenize(part)) >= 2 else f"{part} ({parts[0]})"
        pvec = embedder.embed_query(query)
        kinds = question_types(part)
        pc = candidates(index, hits, query, pvec, kinds)
        # the best sentence of the asked-for type, else the best sentence
        best = next((c for c in pc if c.type_ok), pc[0] if pc else None)
        out[part.rstrip("?")] = PartStrength(
            evidence_strength(pc, query, index), best.row if best else None
        )
    return out


def answerability(
    index: LoadedIndex,
    embedder: Embedder,
    question: str,
    hits: list[SearchHit],
    cands: list[ScoredSentence],
    threshold: float,
) -> Answerability:
    """How answerable the question is from the retrieved evidence.

    A multi-part question is as answerable as its best-covered part; its uncovered parts are
    reported as missing.
    """
    parts = part_strengths(index, embedder, question, hits)
    if not parts:
        return Answerability(evidence_strength(cands, question, index), [], [])
    covered = [p.best_row for p in parts.values() if p.strength >= threshold]
    return Answerability(
        max(p.strength for p in parts.values()),
        [name for name, p in parts.items() if p.strength < threshold],
        list(dict.fromkeys(row for row in covered if row is not None)),
    )
