"""The one citing path: verify each claim, re-cite or drop it, number the spans from 1."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from rag.answer.claims import Claim
from rag.answer.conflicts import Figure
from rag.answer.scored import Candidate
from rag.answer.verify import Verifier
from rag.types import AnswerSentence, Citation, Conflict

if TYPE_CHECKING:
    from rag.engine import Engine


log = logging.getLogger(__name__)


def _conflict_claim(figures: list[Figure]) -> Claim:
    parts = [f"{f.display}" for f in figures]
    listing = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    text = f"The sources differ on this figure, giving {listing}."
    spans = tuple((f.candidate.doc_id, f.candidate.start, f.candidate.end) for f in figures)
    return Claim(text, spans, max(f.candidate.score for f in figures), facts_only=True)


def _number(
    claims: list[Claim], verifier: Verifier, engine: Engine, cands: list[Candidate]
) -> tuple[list[AnswerSentence], list[Citation], list[str]]:
    """Verify each claim, re-cite or drop it, and number citations from 1."""
    docs = engine.index.documents
    citations: list[Citation] = []
    markers: dict[tuple[str, int, int], int] = {}
    sentences: list[AnswerSentence] = []
    texts: list[str] = []
    for claim in claims:
        spans = list(claim.spans)
        quotes = [docs[d].text[s:e] for d, s, e in spans]
        if claim.facts_only:
            from rag.text.facts import missing_facts

            ok = not missing_facts(claim.text, " ".join(quotes))
            support = 1.0 if ok else 0.0
        else:
            verdict = verifier.check(claim.text, quotes)
            ok, support = verdict.supported, verdict.score
            if not ok:  # re-cite to the retrieved sentence that supports it, if any
                for c in cands[:10]:
                    v2 = verifier.check(claim.text, [c.text])
                    if v2.supported:
                        spans, ok, support = [(c.doc_id, c.start, c.end)], True, v2.score
                        break
        if not ok:
            log.info("dropped unsupported sentence: %r", claim.text[:80])
            continue
        nums = []
        for span in spans:
            if span not in markers:
                markers[span] = len(markers) + 1
                d, s, e = span
                score = next((c.score for c in cands if (c.doc_id, c.start) == (d, s)), 0.0)
                citations.append(
                    Citation(markers[span], d, s, e, docs[d].text[s:e], round(score, 4))
                )
            nums.append(markers[span])
        sentences.append(AnswerSentence(claim.text, nums, round(float(support), 4)))
        texts.append(_with_markers(claim.text, nums))
    return sentences, citations, texts


def _with_markers(text: str, nums: list[int]) -> str:
    marks = "".join(f"[{n}]" for n in nums)
    m = re.search(r"[.!?…]+[\"'”’)]*$", text)
    if m:
        return f"{text[: m.start()]} {marks}{text[m.start() :]}"
    return f"{text} {marks}."


def _conflicts(figures: list[Figure], citations: list[Citation]) -> list[Conflict]:
    if not figures:
        return []
    by_span = {(c.doc_id, c.start, c.end): c.marker for c in citations}
    values = []
    for fig in figures:
        key = (fig.candidate.doc_id, fig.candidate.start, fig.candidate.end)
        marks = [by_span[key]] if key in by_span else []
        values.append({"value": fig.display, "doc_id": fig.candidate.doc_id, "citations": marks})
    return [Conflict(quantity="amount", values=values)]
