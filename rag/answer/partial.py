"""A partial answer: what the articles say near the asked-for detail, led by the sentence
nearest the question (the reading's ``related only`` row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.answer.citing import Citer, span_scores, with_markers
from rag.answer.claims import Claim, ClaimWriter, lead_with
from rag.answer.evidence import Evidence
from rag.answer.scored import ScoredSentence
from rag.answer.verify import Verifier
from rag.index.readings import readings_of
from rag.index.store import LoadedIndex
from rag.text.wording import directive, lower_first

PARTIAL_SENTENCES = 2


def quoted_row(claim: Claim, candidates: Sequence[ScoredSentence]) -> int | None:
    """The index row of the candidate sentence the claim quotes (None: none of them; the lead
    row's claim may fail verification, and then another sentence comes first)."""
    return next(
        (
            c.row
            for d, s, e in claim.spans
            for c in candidates
            if c.doc_id == d and c.start <= s and e <= c.end
        ),
        None,
    )


def partial_answer(
    ev: Evidence, index: LoadedIndex, verifier: Verifier, writer: ClaimWriter
) -> dict[str, Any] | None:
    """What the articles say near the asked-for detail, led by a sentence naming it:
    "The articles do not give the amount of Alibaba's December fine; they say only
    that it was fined for not reporting previous deals properly [1]." ("do not say in
    which month ..." for a detail that reads as an indirect question); None when no sentence
    near it passes verification."""
    row = ev.reading.best["related only"]
    claims = writer.write(ev.question, ev.sentences, PARTIAL_SENTENCES, [row])
    lead = index.sentences[row]
    claims = lead_with(claims, lead.doc_id, lead.start, lead.end)
    citer = Citer(index.documents, verifier, span_scores(ev.sentences))
    cited = [(c, s) for c in claims if (s := citer.cite_claim(c, recite=ev.sentences))]
    if not cited:
        return None
    sentences = [s for _, s in cited]
    detail = ev.focus.describe()
    lead_text, marks = sentences[0].text.rstrip(" ."), sentences[0].citations
    # an order ("Equally protect ...") is quoted, not reported; only a sentence whose stored
    # reading found no subject can be one, so most partial answers parse nothing
    first = quoted_row(cited[0][0], ev.sentences)
    subjects = readings_of(index)[first].subjects if first is not None else frozenset()
    if not subjects and directive(sentences[0].text):
        said = f"they say only this: {with_markers(f'“{lead_text}”', marks, close='')}"
    else:
        said = f"they say only that {with_markers(lower_first(lead_text), marks, close='')}"
    texts = [f"The articles {ev.focus.not_given()}; {said}."]
    texts += [with_markers(s.text, s.citations) for s in sentences[1:]]
    return {
        "status": "partial",
        "answer": " ".join(texts),
        "sentences": sentences,
        "citations": citer.citations,
        "conflicts": [],
        "missing": [detail],
    }
