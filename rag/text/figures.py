"""What a figure measures and whose it is, read from the sentence's dependency parse.

For each amount, percentage or large count in a sentence (rag.text.facts), a short label of
what it measures ("IPO size", "fine", "stake", "number of users") and its subject ("Ant",
"Saudi Aramco"), with the hedge it is written with ("about", "more than", "up to"). Figures
are compared by these labels, never by their magnitude (rag.answer.conflicts); the word
tables and the tolerance are in rag.text.measures.

>>> [(m.measure, m.subject) for m in label_figures(
...     "The listing beat the $29.4 billion record set by Saudi Aramco.")]
[('IPO size', 'Saudi Aramco')]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from rag.text.facts import NUMBER, number_facts
from rag.text.measures import (
    CHANGE,
    FIGURE,
    GENERIC,
    HEDGE,
    IPO,
    IPO_WORDS,
    MEASURES,
    PRONOUNS,
    RAISE,
    UNIT_MEASURE,
    VERB_MEASURES,
    FigureMention,
    measure_of,
)
from rag.text.parser import parse, parse_many
from rag.text.words import lemma


def _figures(text: str) -> Iterator[tuple[str, int, int, str]]:
    """(fact, start, end, number as written) of each figure worth labelling."""
    for m in NUMBER.finditer(text):
        raw = m.group(0)
        facts = [f for f in number_facts(raw) if FIGURE.search(f)]
        if facts and re.search(r"\d", m.group("num")):
            lead = len(raw) - len(raw.lstrip())
            yield facts[0], m.start() + lead, m.start() + len(raw.rstrip()), m.group("num")


def _noun_phrase(tok: Any) -> list[Any]:
    """The token with its compound and adjective modifiers, in order."""
    mods = [c for c in tok.children if c.dep_ in {"compound", "amod", "nmod"}]
    return sorted([*mods, tok], key=lambda t: t.i)


def _name(tok: Any) -> str:
    """A proper name at tok ("Saudi Aramco", "Ant Group"), "" for anything else (and for
    "IPO", which names a measure, not whose it is)."""
    if (tok.pos_ != "PROPN" and not (tok.ent_type_ and tok.is_title)) or lemma(tok) in MEASURES:
        return ""
    parts = [c for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
    return " ".join(t.text for t in sorted([*parts, tok], key=lambda t: t.i))


def _owner(noun: Any) -> Any:
    """Whose the noun is: its possessive, or the agent of a "set by X" clause on it (on the
    noun or, when the parser made it a compound, on its head)."""
    nouns = [noun, noun.head] if noun.dep_ in {"compound", "nmod"} else [noun]
    for n in nouns:
        for c in n.children:
            if c.dep_ == "poss":
                return c
        for c in [n, *(c for c in n.children if c.dep_ in {"acl", "relcl"})]:
            agent = _agent(c)
            if agent is not None:
                return agent
    return None


def _agent(verb: Any) -> Any:
    for p in verb.children:
        if p.dep_ in {"agent", "prep"} and p.lower_ == "by":
            return next((c for c in p.children if c.dep_ == "pobj"), None)
    return None


def _clause_subject(tok: Any) -> Any:
    """The subject of the nearest clause above tok that has one; a pronoun subject ("it",
    "which") is looked through to the clause above it."""
    head = tok
    for _ in range(8):
        subj = [c for c in head.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subj and subj[0].lower_ not in PRONOUNS:
            return subj[0]
        if head.dep_ == "ROOT" or head.head is head:
            break
        head = head.head
    return None


def _pobj_name(verb: Any, preps: set[str], before: bool = False) -> str:
    """A name the verb governs through one of these prepositions ("on Alibaba")."""
    for p in verb.children:
        if p.dep_ != "prep" or (preps and p.lower_ not in preps) or (before and p.i > verb.i):
            continue
        obj = next((c for c in p.children if c.dep_ == "pobj"), None)
        if obj is not None and _name(obj):
            return _name(obj)
    return ""


def _target(verb: Any, measure: str) -> str:
    """Whom a fine is imposed on ("on Alibaba"), what is valued ("valued Ant at ...")."""
    if measure == "fine":
        return _pobj_name(verb, {"on", "against"})
    if measure == "valuation":
        objs = [c for c in verb.children if c.dep_ == "dobj" and _name(c)]
        return _name(objs[0]) if objs else ""
    return ""


def _subject(anchor: Any, noun: Any, measure: str) -> str:
    """Whose figure it is, by the first name found: the measured noun's owner, the one a
    fine is imposed on, the clause's subject (or its owner: "Tencent's market value"), a
    name the clause opens with ("With Alipay, ...")."""
    owner = _owner(noun) if noun is not None else None
    if owner is not None and owner.lower_ in PRONOUNS:
        owner = _clause_subject(owner.head)
    if owner is not None and _name(owner):
        return _name(owner)
    verb = _verb_above(anchor)
    target = _target(verb, measure) if verb is not None else ""
    if target:
        return target
    subj = _clause_subject(verb if verb is not None else anchor)
    if subj is not None and not _name(subj):
        subj = _owner(subj)
    if subj is not None and _name(subj):
        return _name(subj)
    if verb is None:
        return ""
    agent = _agent(verb)  # "... record set by Saudi Aramco", the "by" hung on the verb
    return _name(agent) if agent is not None and _name(agent) else _pobj_name(verb, set(), True)


def _verb_above(tok: Any) -> Any:
    head = tok
    for _ in range(6):
        if head.pos_ in {"VERB", "AUX"}:
            return head
        if head.head is head:
            return None
        head = head.head
    return None


def _measured_noun(anchor: Any, end_char: int) -> Any:
    """The noun the figure modifies ("offering" in "its $34.5 billion initial public
    offering", "stake" in "a 33% stake") or is the value of ("a penalty of 3 million yuan",
    "put Ant's valuation at $200 billion"), None when the figure stands alone."""
    head = anchor
    for _ in range(3):
        if head.pos_ in {"NOUN", "PROPN"} and head.idx >= end_char:
            return head
        if head.head is head or head.head.i < anchor.i:
            break
        head = head.head
    prep = anchor.head if anchor.dep_ == "pobj" else None
    if prep is None or prep.lower_ not in {"of", "at"}:
        return None
    if prep.head.pos_ in {"NOUN", "PROPN"}:
        return prep.head
    objs = [c for c in prep.head.children if c.dep_ == "dobj" and lemma(c) in MEASURES]
    return objs[0] if objs else None


def _sentence_ipo(doc: Any) -> bool:
    return any(lemma(t) in IPO_WORDS or t.lower_ == "ipo" for t in doc)


def _measure(doc: Any, anchor: Any, noun: Any, fact: str) -> str:
    """What the figure measures: its noun's name, else its verb's (raised, fined, valued)
    or its clause subject's ("the loan balance reached ..."), else the sentence's IPO."""
    if noun is not None:
        named = measure_of(lemma(t) for t in _noun_phrase(noun))
        tail = [lemma(t) for t in doc[anchor.i + 1 : noun.i + 1]]
        named = named or measure_of(tail)
        if named:
            return named
    after = [lemma(c) for c in anchor.rights if c.dep_ in {"amod", "compound"}]
    if measure_of(after):  # "a record 18.2 billion yuan fine", parsed as an adjective
        return measure_of(after)
    verb = _verb_above(anchor)
    if verb is not None:
        v = lemma(verb)
        if v in RAISE:  # "raised $37 billion in the listing", "sell shares worth ..."
            shares = any(lemma(t) == "share" for t in doc)
            return IPO if _sentence_ipo(doc) or shares else "sum raised"
        subj = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        said = measure_of(lemma(t) for t in _noun_phrase(subj)) if subj is not None else ""
        level = anchor.dep_ == "pobj" and anchor.head.lower_ in {"to", "at"}  # "rose to"
        if said and v in CHANGE and not level:
            return f"{CHANGE[v]} in {said}"  # "Tencent's market value fell by $60 billion"
        if v in VERB_MEASURES or said:
            return VERB_MEASURES.get(v) or said
    if noun is not None and lemma(noun) in GENERIC and _sentence_ipo(doc):
        return IPO  # "surpassing the $29.4 billion record" set by the largest listing
    kind = fact.split(":", 1)[0]
    if kind == "num" and noun is not None and noun.pos_ == "NOUN":
        return f"number of {noun.lower_}"
    return UNIT_MEASURE[kind]


def _anchor(doc: Any, start: int, end: int) -> Any:
    """The figure's last token ("billion" in "$34.5 billion")."""
    inside = [t for t in doc if t.idx >= start and t.idx < end]
    return inside[-1] if inside else doc[-1]


def _label(doc: Any, text: str) -> tuple[FigureMention, ...]:
    out = []
    for fact, start, end, _ in _figures(text):
        anchor = _anchor(doc, start, end)
        noun = _measured_noun(anchor, end)
        measure = _measure(doc, anchor, noun, fact)
        hedge = HEDGE.search(text[:start])
        out.append(
            FigureMention(
                fact,
                start,
                end,
                measure,
                _subject(anchor, noun, measure),
                hedge.group(1).lower() if hedge else "",
            )
        )
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def label_figures(text: str) -> tuple[FigureMention, ...]:
    """The figures of one sentence, labelled (parses it; corpus sentences are labelled once
    at ingest through label_many)."""
    if not any(True for _ in _figures(text)):
        return ()
    return _label(parse(text), text)


def label_parsed(doc: Any, text: str) -> tuple[FigureMention, ...]:
    """The figures of a sentence already parsed into ``doc``."""
    return _label(doc, text)


def label_many(texts: list[str]) -> list[tuple[FigureMention, ...]]:
    """Labels for many sentences; only those with figures are parsed."""
    todo = [i for i, t in enumerate(texts) if any(True for _ in _figures(t))]
    out: list[tuple[FigureMention, ...]] = [()] * len(texts)
    for i, doc in zip(todo, parse_many(texts[i] for i in todo), strict=True):
        out[i] = _label(doc, texts[i])
    return out
