"""What the answer decision needs to know of a corpus sentence, read once at ingest:
its named entities with types, its content lemmas, the lemmas of its subjects and its
figures labelled by what they measure (rag.text.figures)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rag.text.figures import label_figures, label_parsed
from rag.text.focus import content_lemmas, lemma
from rag.text.measures import FigureMention
from rag.text.parser import parse_many

SUBJECT_DEPS = {"nsubj", "nsubjpass", "agent"}


@dataclass(frozen=True, slots=True)
class SentenceReading:
    """``ents``: (text, NER label); ``lemmas``: content lemmas; ``subjects``: lemmas of the
    subjects (and their compounds), to tell "Tenpay received a penalty" from a sentence about
    JD.com."""

    ents: tuple[tuple[str, str], ...]
    lemmas: frozenset[str]
    subjects: frozenset[str]
    figures: tuple[FigureMention, ...] | None = None  # None: read before figures were

    def to_dict(self) -> dict[str, Any]:
        return {
            "ents": [list(e) for e in self.ents],
            "lemmas": sorted(self.lemmas),
            "subjects": sorted(self.subjects),
            "figures": [m.to_list() for m in self.figures or ()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SentenceReading:
        figures = d.get("figures")
        return cls(
            tuple((str(t), str(label)) for t, label in d["ents"]),
            frozenset(d["lemmas"]),
            frozenset(d["subjects"]),
            None if figures is None else tuple(FigureMention.from_list(f) for f in figures),
        )

    def figures_in(self, text: str) -> tuple[FigureMention, ...]:
        """The sentence's labelled figures (parsed now only for a reading stored before
        figures were labelled)."""
        return self.figures if self.figures is not None else label_figures(text)


def _subjects(doc: Any) -> frozenset[str]:
    out: set[str] = set()
    for t in doc:
        if t.dep_ in SUBJECT_DEPS:
            out.update(lemma(c) for c in t.subtree if c.pos_ in {"NOUN", "PROPN"})
    return frozenset(out)


def read_sentences(texts: Iterable[str]) -> list[SentenceReading]:
    """Parse sentences (batched) into what the answer decision needs.

    >>> r = read_sentences(["Tenpay received a fine of 3 million yuan."])[0]
    >>> r.ents, "fine" in r.lemmas, "tenpay" in r.subjects
    ((('3 million yuan', 'MONEY'),), True, True)
    """
    texts = list(texts)
    return [
        SentenceReading(
            tuple((e.text, e.label_) for e in doc.ents),
            content_lemmas(doc),
            _subjects(doc),
            label_parsed(doc, text),
        )
        for text, doc in zip(texts, parse_many(texts), strict=True)
    ]
