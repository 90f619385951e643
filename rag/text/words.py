"""Word tables and token helpers shared by the question focus and the sentence readings:
lemmas (with spaCy's slips put right), the question as an indirect clause."""

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
PAST = {
    "set": "set",
    "pay": "paid",
    "say": "said",
    "make": "made",
    "take": "took",
    "give": "gave",
    "get": "got",
    "tell": "told",
    "find": "found",
    "put": "put",
    "begin": "began",
    "lose": "lost",
    "buy": "bought",
    "sell": "sold",
    "win": "won",
    "hold": "held",
    "lead": "led",
    "mean": "meant",
    "send": "sent",
    "spend": "spent",
    "meet": "met",
}
GENERIC = {"amount", "size", "number", "date", "reason", "money", "sum", "value", "way"}
TYPE_WORDS = {"amount": "amount", "count": "number", "percent": "share", "date": "date",
              "reason": "reason", "manner": "way", "place": "place", "person": "person",
              "organisation": "organisation"}  # fmt: skip


def lemma(tok: Any) -> str:
    """A token's lemma, lower-cased; spaCy lemmatises "fined" as "fin", so undo that."""
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


def _past(verb: Any) -> str:
    base = lemma(verb)
    if base in PAST:
        return PAST[base]
    return base + ("d" if base.endswith("e") else "ed")


def clause(doc: Any) -> str:
    """The question as an indirect clause, without its wh-word: "Why was the IPO suspended?"
    -> "the IPO was suspended"; "When did Ant set it?" -> "Ant set it".

    >>> from rag.text.parser import parse
    >>> clause(parse("Why was the IPO suspended?")), clause(parse("When did Ant set it?"))
    ('the IPO was suspended', 'Ant set it')"""
    toks = [t for t in doc if not t.is_punct]
    if toks and toks[0].lower_ in WH and toks[0].dep_ in {"nsubj", "nsubjpass"}:
        return " ".join(t.text for t in toks[1:])  # "who set the deadline"
    dropped = ""
    while toks and (
        toks[0].lower_ in WH | {"much", "many"}
        or toks[0].dep_ == "det"
        or (dropped in {"much", "many", "what", "which"} and toks[0].pos_ == "NOUN")
    ):
        dropped, toks = toks[0].lower_, toks[1:]
    if not toks:
        return ""
    aux, rest = toks[0], toks[1:]
    if aux.dep_ not in {"aux", "auxpass", "ROOT"} or aux.pos_ not in {"AUX", "VERB"}:
        return " ".join(t.text for t in toks)
    root = aux.head if aux.dep_ != "ROOT" else aux
    aux_text = aux.lower_ if aux.i == 0 else aux.text
    words: list[str] = []
    for t in rest:
        if t.i == root.i and aux.lemma_ == "do":
            words.append(_past(t) if aux.lower_ == "did" else t.text)
            continue
        if t.i == root.i and aux.i != root.i:
            words.append(aux_text)
        words.append(t.text)
    if aux.i == root.i or root.i not in {t.i for t in rest}:
        subj = [t for t in rest if t.dep_ in {"nsubj", "nsubjpass"}]
        if subj and aux.lemma_ != "do":  # "is the deadline" -> "the deadline is"
            end = max(t.i for t in subj[0].subtree)
            words = [t.text for t in rest if t.i <= end] + [aux_text]
            words += [t.text for t in rest if t.i > end]
    return " ".join(words)
