"""Which scored sentences make the answer: relevance, redundancy, asked-for type, antecedents."""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer.scored import ANAPHOR, RELATIVE_FLOOR, FloatArray, ScoredSentence

TYPED_FLOOR = 0.6  # how far below the best a sentence of the asked-for type may be
REDUNDANT = 0.85  # cosine above which two sentences say the same thing


def select(
    vecs: FloatArray,
    cands: list[ScoredSentence],
    max_n: int,
    typed: bool = False,
    lead_rows: Sequence[int] = (),
) -> list[ScoredSentence]:
    """Up to max_n non-redundant sentences within RELATIVE_FLOOR of the best; for a typed
    question (why, how much, when, who) at least one that holds the asked-for type; the best
    sentence of each covered part of a multi-part question (``lead_rows``) first. ``vecs``
    are the index's sentence vectors (row -> unit vector), for the redundancy test."""
    if not cands:
        return []
    best = cands[0].score
    by_row = {c.row: c for c in cands}
    chosen: list[ScoredSentence] = [by_row[r] for r in lead_rows if r in by_row][:max_n]
    for c in cands:
        if len(chosen) >= max_n or c.score < RELATIVE_FLOOR * best:
            break
        if c in chosen or any(float(vecs[c.row] @ vecs[o.row]) > REDUNDANT for o in chosen):
            continue
        chosen.append(c)
    if typed and not any(c.type_ok for c in chosen):
        # A sentence restating the question outscores the one that answers it ("why": the
        # reason rarely repeats the question's words); keep the best one of the right type.
        extra = next((c for c in cands if c.type_ok and c.score >= TYPED_FLOOR * best), None)
        if extra is not None:
            chosen = [*chosen[: max_n - 1], extra]
    # The parts' leads are kept, read by relevance; trusted evidence before uploads.
    chosen.sort(key=lambda c: (not c.trusted, -c.score))
    return with_antecedents(chosen, cands, max_n)


def with_antecedents(
    chosen: list[ScoredSentence], cands: list[ScoredSentence], max_n: int
) -> list[ScoredSentence]:
    """Put the sentence an anaphoric one points back to ("The latter want ...") just before
    it, so the answer reads on its own; the antecedent takes the place of the weakest other
    sentence when the answer is full."""
    by_row = {c.row: c for c in cands}
    out = list(chosen)
    for c in chosen:
        prev = by_row.get(c.row - 1)
        if prev is None or prev.doc_id != c.doc_id or not ANAPHOR.match(c.text):
            continue
        if prev in out:  # already chosen: read it first
            if out.index(prev) > out.index(c):
                out.remove(prev)
                out.insert(out.index(c), prev)
            continue
        if len(out) >= max_n:
            spare = [o for o in out if o is not c and not ANAPHOR.match(o.text)]
            if not spare:
                continue
            out.remove(spare[-1])
        out.insert(out.index(c), prev)
    return out
