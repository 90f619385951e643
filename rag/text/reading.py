"""What the answer decision needs to know of a corpus sentence, read once at ingest:
its named entities with types, what each entity is linked to (the content lemmas of its own
clause), its content lemmas, the lemmas of its subjects and its figures labelled by what they
measure (rag.text.figures)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rag.text.figures import label_figures, label_parsed
from rag.text.focus import content_lemmas, lemma
from rag.text.measures import FigureMention
from rag.text.parser import parse_many

SUBJECT_DEPS = {"nsubj", "nsubjpass", "agent"}
# Children that open a clause of their own: what they say is not attached to the value.
CLAUSE_DEPS = {"ccomp", "advcl", "relcl", "acl", "conj", "parataxis", "csubj", "pcomp"}
LINK_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
VERBS = {"VERB", "AUX"}
MAIN = {"ROOT", "conj", "ccomp", "advcl", "relcl"}  # verbs of clauses, not of phrases


@dataclass(frozen=True, slots=True)
class SentenceReading:
    """``ents``: (text, NER label); ``lemmas``: content lemmas; ``subjects``: lemmas of the
    subjects (and their compounds), to tell "Tenpay received a penalty" from a sentence about
    JD.com."""

    ents: tuple[tuple[str, str], ...]
    lemmas: frozenset[str]
    subjects: frozenset[str]
    figures: tuple[FigureMention, ...] | None = None  # None: read before figures were
    # per entity (aligned with ``ents``): the lemmas of its clause and its dependency label;
    # None: read before links were
    links: tuple[frozenset[str], ...] | None = None
    roles: tuple[str, ...] | None = None
    heads: tuple[str, ...] | None = None  # the lemma each entity modifies or depends on

    def to_dict(self) -> dict[str, Any]:
        return {
            "ents": [list(e) for e in self.ents],
            "lemmas": sorted(self.lemmas),
            "subjects": sorted(self.subjects),
            "figures": [m.to_list() for m in self.figures or ()],
            "links": [sorted(x) for x in self.links or ()],
            "roles": list(self.roles or ()),
            "heads": list(self.heads or ()),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SentenceReading:
        figures, links, roles, heads = (d.get(k) for k in ("figures", "links", "roles", "heads"))
        return cls(
            tuple((str(t), str(label)) for t, label in d["ents"]),
            frozenset(d["lemmas"]),
            frozenset(d["subjects"]),
            None if figures is None else tuple(FigureMention.from_list(f) for f in figures),
            None if links is None else tuple(frozenset(x) for x in links),
            None if roles is None else tuple(str(r) for r in roles),
            None if heads is None else tuple(str(h) for h in heads),
        )

    def figures_in(self, text: str) -> tuple[FigureMention, ...]:
        """The sentence's labelled figures (parsed now only for a reading stored before
        figures were labelled)."""
        return self.figures if self.figures is not None else label_figures(text)


def _subjects(doc: Any) -> frozenset[str]:
    out: set[str] = set()
    for t in doc:
        # the agent of a participle inside a phrase ("services offered by its Alipay
        # platform") is not who the sentence is about
        if t.dep_ in SUBJECT_DEPS and (t.dep_ != "agent" or t.head.dep_ in MAIN):
            out.update(lemma(c) for c in t.subtree if c.pos_ in {"NOUN", "PROPN"})
    return frozenset(out)


def _clause_head(tok: Any) -> Any:
    """The verb whose clause holds the token (the root when none is above it)."""
    while tok.head.i != tok.i and tok.pos_ not in VERBS:
        tok = tok.head
    return tok


def _clause_lemmas(top: Any, pos: set[str]) -> set[str]:
    """Lemmas (of the given parts of speech) under a token, without the clauses it embeds."""
    out: set[str] = set()
    stack = [top]
    while stack:
        t = stack.pop()
        if t.i != top.i and (t.dep_ == "relcl" or (t.dep_ in CLAUSE_DEPS and t.pos_ in VERBS)):
            continue
        if t.pos_ in pos:
            out.add(lemma(t))
        stack.extend(t.children)
    return out


def _link(tok: Any) -> frozenset[str]:
    """What an entity is stated of: the lemmas of its own clause (a relative clause also
    holds the noun it modifies) and of the relative clauses that modify it ("Ant, which owns
    Alipay"); for a clause that completes another ("was forced to halt its $34.5 billion
    offering") the governing verb and its subject too."""
    verb = _clause_head(tok)
    out = _clause_lemmas(verb, LINK_POS) | {lemma(verb)}
    for c in tok.children:
        if c.dep_ in {"relcl", "acl"}:
            out |= _clause_lemmas(c, LINK_POS) | {lemma(c)}
    if verb.dep_ in {"relcl", "acl"} and verb.head.i != verb.i:
        out.add(lemma(verb.head))
    while verb.dep_ in {"xcomp", "conj"} and verb.head.i != verb.i:
        verb = verb.head
        out.add(lemma(verb))
        for c in verb.children:
            if c.dep_ in SUBJECT_DEPS:
                out |= _clause_lemmas(c, {"NOUN", "PROPN"})
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
            tuple(_link(e.root) for e in doc.ents),
            tuple(str(e.root.dep_) for e in doc.ents),
            tuple(lemma(e.root.head) for e in doc.ents),
        )
        for text, doc in zip(texts, parse_many(texts), strict=True)
    ]
