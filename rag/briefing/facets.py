"""The parts of a news story a briefing has sections for, and which sentence serves which."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.briefing.pieces import Deduper, Piece
from rag.index.store import LoadedIndex
from rag.text.questions import CAUSAL_CUES


@dataclass(frozen=True, slots=True)
class Facet:
    """A part of a news story. `query` retrieves for it; `example` is a sentence of the
    kind that serves it (a sentence's affinity is its cosine to the example plus a bonus for
    the cue words), so sections come from what the evidence says, not from the topic."""

    key: str
    heading: str  # "{subject}" is replaced by the topic's main name
    query: str
    example: str
    cue: re.Pattern[str]


FACETS = [
    Facet(
        "what_happened",
        "What happened",
        "what happened: decisions, actions and events",
        "The authorities suspended the listing, announced measures and met the company.",
        re.compile(
            r"\b(?:suspend|halt|stop|announc|order|fine|ban|launch|withdr[ae]w|"
            r"interview|meeting|met|asked|called on|warned|investigat|decid)\w*",
            re.I,
        ),
    ),
    Facet(
        "why",
        "Why",
        "why: the reasons, causes and concerns behind it",
        "This happened because of concerns about risks and a failure to comply with the rules.",
        CAUSAL_CUES,
    ),
    Facet(
        "who",
        "Who acted",
        "who acted: regulators, officials, authorities and leaders",
        "Officials of the central bank, the regulator and the government leaders acted and spoke.",
        re.compile(
            r"\b(?:regulators?|authorit\w+|officials?|commission|central bank|exchange|"
            r"president|governor|ministr\w+|party|head of)\b",
            re.I,
        ),
    ),
    Facet(
        "consequences",
        "What changes for {subject}",
        "what changes for {subject}: consequences for its business and services",
        "The company must change its business, withdraw products and lose revenue.",
        re.compile(
            r"\b(?:rectif\w+|withdr[ae]w\w*|overhaul|business|revenue|lending|"
            r"services?|products?|users|customers|dismantl\w+|blow|setback)\b",
            re.I,
        ),
    ),
    Facet(
        "next",
        "What comes next",
        "what comes next: future steps, plans and risks",
        "More inspections, new rules and further trouble are expected in the future.",
        re.compile(
            r"\b(?:will|could|may|might|likely|later|next|future|transition|expect\w*|"
            r"plans?|signs?|more trouble)\b",
            re.I,
        ),
    ),
]
AMOUNT_QUERY = "how much: amounts of money, shares and numbers"
CUE_BONUS = 0.12
FACET_FLOOR = 0.3  # least affinity for a sentence to serve a facet at all
FACET_MARGIN = 0.05  # and by how much it must beat its mean affinity over the facets


def facet_affinity(index: LoadedIndex, pieces: list[Piece], facet_vecs: np.ndarray) -> np.ndarray:
    """(pieces x facets) affinity: cosine to the facet's example plus a bonus for its cues."""
    if not pieces:
        return np.zeros((0, len(FACETS)), dtype=np.float32)
    rows = index.sentence_vectors[[p.cand.row for p in pieces]]
    aff = np.asarray(rows @ facet_vecs.T, dtype=np.float32)
    for i, p in enumerate(pieces):
        for j, f in enumerate(FACETS):
            if f.cue.search(p.text):
                aff[i, j] += CUE_BONUS
    return aff


def assign_sections(
    index: LoadedIndex,
    pieces: list[Piece],
    facet_vecs: np.ndarray,
    budget: int,
    per_section: int,
    dedupe: Deduper,
    trusted_first: bool = False,
) -> dict[str, list[Piece]]:
    """Each piece to the facet it serves best, if it clearly serves one; facets are filled
    best first (trusted sentences before uploads when trusted evidence leads), one sentence
    each in turn, until the budget is spent."""
    aff = facet_affinity(index, pieces, facet_vecs)
    queues: dict[str, list[tuple[float, Piece]]] = {f.key: [] for f in FACETS}
    for i, p in enumerate(pieces):
        j = int(np.argmax(aff[i]))
        if aff[i, j] >= FACET_FLOOR and aff[i, j] - float(aff[i].mean()) >= FACET_MARGIN:
            queues[FACETS[j].key].append((0.5 * p.cand.score + 0.5 * float(aff[i, j]), p))
    for q in queues.values():
        q.sort(key=lambda t: (trusted_first and not t[1].cand.trusted, -t[0]))
    out: dict[str, list[Piece]] = {f.key: [] for f in FACETS}
    used, progress = 0, True
    while used < budget and progress:
        progress = False
        for f in FACETS:
            q = queues[f.key]
            while q and used < budget and len(out[f.key]) < per_section:
                _, p = q.pop(0)
                if dedupe.seen(p.cand):
                    continue
                dedupe.add(p.cand)
                out[f.key].append(p)
                used += 1
                progress = True
                break
    return {k: v for k, v in out.items() if v}
