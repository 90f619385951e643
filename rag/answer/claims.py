"""Answer claims: sentences with the spans they cite, before verification and numbering."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer.scored import Candidate
from rag.answer.selection import _select
from rag.text.questions import question_types
from rag.text.wording import capitalise, trim

if TYPE_CHECKING:
    from rag.engine import Engine


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Claim:
    """An answer sentence before numbering: its text and the spans it cites."""

    text: str
    spans: tuple[tuple[str, int, int], ...]
    score: float
    facts_only: bool = False  # connective sentences (conflicts) are checked on facts alone


def _claims(
    engine: Engine,
    q: str,
    cands: list[Candidate],
    backend: str,
    max_n: int,
    lead_rows: Sequence[int] = (),
) -> tuple[list[Claim], str, str | None]:
    """Claims from the LLM when asked for (falling back on failure), else extractive ones."""
    if backend and backend != "none":
        from rag.answer.llm import LLMUnavailable, llm_claims

        try:
            return llm_claims(engine, q, cands, backend)[:max_n], f"llm:{backend}", None
        except LLMUnavailable as exc:
            log.warning("LLM %s failed, answering extractively: %s", backend, exc)
            fallback: str | None = str(exc)
    else:
        fallback = None
    claims = []
    typed = bool(question_types(q) - {"how"})
    for c in _select(engine, cands, max_n, typed=typed, lead_rows=lead_rows):
        text, s, e = trim(c.text, c.start, c.end)
        claims.append(Claim(capitalise(text), ((c.doc_id, s, e),), c.score))
    return claims, "extractive", fallback
