"""Word tables and token helpers shared by the question focus and the sentence readings:
lemmas (with spaCy's slips put right)."""

from __future__ import annotations

from typing import Any

WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
PHRASE_DEPS = {"compound", "amod", "nmod", "poss", "nummod"}
ATTACH_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "attr", "npadvmod", "dative", "appos"}
# A verb asked about by "how much": the thing whose amount is wanted, as a noun.
VERB_NOUNS = {
    "fine": "fine",
    "raise": "sum raised",
    "pay": "payment",
    "cost": "cost",
    "invest": "investment",
    "lose": "loss",
    "earn": "earnings",
    "borrow": "loan",
    "lend": "loan",
    "spend": "spending",
    "penalize": "penalty",
    "value": "value",
}
LEMMA_FIXES = {"fin": "fine"}
GENERIC = {"amount", "size", "number", "date", "reason", "money", "sum", "value", "way"}
TYPE_WORDS = {"amount": "amount", "count": "number", "percent": "share", "date": "date",
              "reason": "reason", "manner": "way", "place": "place", "person": "person",
              "organisation": "organisation"}  # fmt: skip


def lemma(tok: Any) -> str:
    """A token's lemma, lower-cased; spaCy lemmatises "fined" as "fin", so undo that.

    >>> from rag.text.parser import parse
    >>> [lemma(t) for t in parse("Alibaba was fined")]
    ['alibaba', 'be', 'fine']"""
    lem = str(tok.lemma_).lower()
    return LEMMA_FIXES.get(lem, lem)


def content_lemmas(doc: Any) -> frozenset[str]:
    """Lemmas of the nouns, verbs, adjectives, numbers and names of a parsed text."""
    keep = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
    return frozenset(
        lemma(t)
        for t in doc
        if t.pos_ in keep and t.is_alpha and (not t.is_stop or lemma(t) in STOP_CONTENT)
    )


# Words on spaCy's stop list that carry the meaning of a clause as a verb or noun ("What
# percentage of Ant does Alibaba own?", "What did Xi call for?").
STOP_CONTENT = frozenset({"own", "call", "show", "name"})
