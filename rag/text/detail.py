"""The asked-for detail in words, for the answer that says it is missing: a noun phrase made
from the question's parts when it keeps every content word of the question ("the amount of
Alibaba's December fine"), else the question itself as an indirect one ("in which month
Saudi Aramco set its share-sale record"): a phrase that drops a word ("the month of Saudi
Aramco") has lost or mis-attached part of what was asked.

>>> from rag.text.parser import parse
>>> missing_detail(parse("In which month did Aramco set its record?"), "the month of Aramco")
('in which month Aramco set its record', 'question')
>>> missing_detail(parse("Who is the head of Ant?"), "the head of Ant")
('the head of Ant', 'noun')
"""

from __future__ import annotations

import re
from typing import Any

from rag.text.indirect import as_written as tokens_as_written
from rag.text.indirect import embed
from rag.text.words import STOP_CONTENT, WH, lemma

NOUN, QUESTION = "noun", "question"
CONTENT = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
OWNED = {"amount", "date", "reason", "number", "share", "way"}  # "the amount of X's Y fine"


def from_parts(focus: str, attached: tuple[str, ...] | list[str]) -> str:
    """A noun phrase from the focus and what it is attached to: "the amount of Alibaba's
    December fine", "the chief executive of Ant Group"."""
    head = attached[0] if attached else ""
    if not head:
        return f"the {focus}"
    rest = [a for a in attached[1:] if a.lower() not in head.lower()]
    if focus in OWNED and rest:
        bare = re.sub(r"^(?:the|a|an)\s+", "", head, flags=re.I)
        owner = "".join(f"{r}'s " if i == 0 else f"{r} " for i, r in enumerate(rest[:2]))
        return f"the {focus} of {owner}{bare}"
    return f"the {focus} of {head}"


def as_written(phrase: str, question: str) -> str:
    """The phrase with the question's own spacing when its words stand together there
    ("lenders' web", "self-examination"), not the parse's ("lenders ' web")."""
    words = phrase.split()
    if not words:
        return phrase
    pattern = r"[\s\-‐]*".join(re.escape(w) for w in words)
    found = re.search(pattern, question)
    return found.group(0) if found else phrase


def covers(phrase: str, doc: Any, skip: set[int]) -> bool:
    """Every content word of the question (but those at ``skip``) is in the phrase, as
    written or as its lemma ("fined" in "the amount of Alibaba's December fine"); an adverb
    before the wh-word counts ("exactly" in "Exactly how much was Alibaba fined?")."""
    words = set(re.findall(r"\w+", phrase.lower()))
    wh = next((t.i for t in doc if t.lower_ in WH), -1)
    for t in doc:
        stop = t.is_stop and lemma(t) not in STOP_CONTENT
        content = t.pos_ in CONTENT or (t.pos_ == "ADV" and t.i < wh)
        if t.i in skip or not content or stop or not t.is_alpha:
            continue
        if t.lower_ not in words and lemma(t) not in words:
            return False
    return True


def missing_detail(doc: Any, noun_phrase: str, skip: set[int] | None = None) -> tuple[str, str]:
    """(the detail, its form): what a bare "What is X?" asks about (X, as written), else
    ``noun_phrase`` ("noun") when it holds the question's content words, else the indirect
    question ("question"); a text that is not a question gives its verb's object ("List the
    services ...") or the noun phrase."""
    asked = embed(doc)
    if not asked.question:
        return imperative_object(doc) or noun_phrase or answer_to(doc), NOUN
    if asked.noun:  # "What is the name of ...?": the question's own noun phrase
        return asked.noun, NOUN
    if noun_phrase and covers(noun_phrase, doc, skip or set()):
        return noun_phrase, NOUN
    return asked.text, QUESTION


def answer_to(doc: Any) -> str:
    """What is missing when the text does not read as a question we can rewrite (key words,
    a wh-word at the end): an answer to the text itself, as the user wrote it."""
    text = doc.text.strip()
    return f"an answer to \u201c{text}\u201d" if text else "the answer"


def imperative_object(doc: Any) -> str:
    """What follows an imperative verb whose object comes next, as written: "the services Ant
    must rectify" for "List the services Ant must rectify." (the parse often leaves the
    relative clause off the object)."""
    toks = [t for t in doc if not t.is_punct or t.i < len(doc) - 1]
    objects = [t for t in toks[0].children if t.dep_ == "dobj" and t.pos_ != "PRON"] if toks else []
    if len(toks) < 2 or toks[0].tag_ != "VB" or not objects:
        return ""
    return tokens_as_written(toks[1:]) if objects[0].left_edge.i == toks[1].i else ""
