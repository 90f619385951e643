"""What a question asks for: the answer type and the focus (the thing whose value is wanted
and what it is attached to), read from spaCy's dependency parse.

>>> f = question_focus("How much was Alibaba fined in December?")
>>> f.answer_type, f.focus, f.attached
('amount', 'amount', ('the fine', 'Alibaba', 'December'))
>>> f.describe()
"the amount of Alibaba's December fine"
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from rag.text.parser import parse

ANSWER_TYPES = (
    "amount", "count", "percent", "date", "person", "organisation", "place",
    "reason", "manner", "quote", "yes/no", "list", "thing",
)  # fmt: skip

# Order matters: the first rule that matches names the type.
TYPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "reason",
        re.compile(
            r"\b(?:why|how come|for what (?:reason|purpose)|what (?:caused|led|"
            r"prompted|drove|motivated|was behind)|reasons?|grounds)\b",
            re.I,
        ),
    ),
    ("count", re.compile(r"\bhow many\b|\bwhat (?:is the )?number of\b|\bnumber of\b", re.I)),
    (
        "percent",
        re.compile(
            r"\b(?:percent(?:age)?|proportion|what share|what fraction|"
            r"stake)\b",
            re.I,
        ),
    ),
    (
        "amount",
        re.compile(
            r"\b(?:how (?:much|big|large)|what (?:amount|size|sum|price|value|"
            r"valuation|cost)|price|valuation|worth|amount|size|sum of)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"\b(?:who|whom|whose|which (?:person|official|executive|people|"
            r"reporter|journalist|founder|billionaire))\b",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(?:when|what (?:date|day|year|month|time|weekday)|which (?:date|day|"
            r"year|month|weekday)|by what date|deadline|how long)\b",
            re.I,
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\b(?:which|what) (?:\w+ )?(?:compan(?:y|ies)|banks?|firms?|"
            r"regulators?|exchanges?|organi[sz]ations?|agenc(?:y|ies)|"
            r"authorit(?:y|ies)|institutions?|platforms?|groups?|"
            r"businesses|lenders?|insurers?)\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            r"\b(?:where|which (?:city|cities|country|countries|place|market|"
            r"region)|in what (?:city|country|market))\b",
            re.I,
        ),
    ),
    (
        "quote",
        re.compile(
            r"\bwhat (?:did|does|do|has|have|had|will|would) .+? (?:say|state|"
            r"announce|warn|tell|claim|write|report|declare|comment)\b|"
            r"\bwhat was said\b|\bhow did .+? (?:respond|react)\b",
            re.I,
        ),
    ),
    (
        "manner",
        re.compile(
            r"^\s*(?:and )?how\b(?! (?:much|many|big|large|long|often))|"
            r"\bin what way\b|\bby what means\b",
            re.I,
        ),
    ),
    (
        "yes/no",
        re.compile(
            r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|"
            r"would|should|may|might)\b",
            re.I,
        ),
    ),
    ("list", re.compile(r"\b(?:what are the|which are the|list|name the|what were the)\b", re.I)),
)

VALUE_LABELS = {
    "amount": {"MONEY"},
    "count": {"CARDINAL", "QUANTITY"},
    "percent": {"PERCENT"},
    "date": {"DATE", "TIME"},
    "person": {"PERSON"},
    "organisation": {"ORG"},
    "place": {"GPE", "LOC", "FAC"},
}
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


@dataclass(frozen=True, slots=True)
class QuestionFocus:
    """What a question asks for. ``focus`` is the wanted thing ("price per share", "chief
    executive", "amount"); ``attached`` what it belongs to, head first ("the IPO";
    "the fine", "Alibaba", "December"); ``keys`` the lemmas evidence must mention for the
    focus; ``names`` the question's named entities; ``value_labels`` the NER labels of an
    answer of this type (empty for reasons, manners, quotes, yes/no)."""

    question: str
    answer_type: str
    focus: str
    attached: tuple[str, ...]
    keys: frozenset[str]
    names: tuple[tuple[str, str], ...]  # (text, NER label)
    content: frozenset[str]  # content lemmas of the question
    value_labels: frozenset[str]
    phrase: str  # the detail in words when the parts do not make it ("why the IPO was ...")

    def describe(self) -> str:
        """The asked-for detail in words: "the amount of Alibaba's December fine"."""
        if self.answer_type == "quote":
            return self.focus
        if self.phrase:
            return self.phrase
        head = self.attached[0] if self.attached else ""
        if not head:
            return f"the {self.focus}"
        rest = [a for a in self.attached[1:] if a.lower() not in head.lower()]
        if self.focus in {"amount", "date", "reason", "number", "share", "way"} and rest:
            bare = re.sub(r"^(?:the|a|an)\s+", "", head, flags=re.I)
            owner = "".join(f"{r}'s " if i == 0 else f"{r} " for i, r in enumerate(rest[:2]))
            return f"the {self.focus} of {owner}{bare}"
        return f"the {self.focus} of {head}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer_type": self.answer_type,
            "focus": self.focus,
            "attached": list(self.attached),
            "keys": sorted(self.keys),
            "names": [list(n) for n in self.names],
            "detail": self.describe(),
        }


def answer_type(question: str) -> str:
    """The answer type of a question, by its wording.

    >>> answer_type("Why was the IPO suspended?"), answer_type("Who runs Ant Group?")
    ('reason', 'person')
    """
    for kind, rule in TYPE_RULES:
        if rule.search(question):
            return kind
    return "thing"


def lemma(tok: Any) -> str:
    """A token's lemma, lower-cased; spaCy lemmatises "fined" as "fin", so undo that."""
    lem = str(tok.lemma_).lower()
    return LEMMA_FIXES.get(lem, lem)


def content_lemmas(doc: Any) -> frozenset[str]:
    """Lemmas of the nouns, verbs, adjectives, numbers and names of a parsed text."""
    keep = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
    return frozenset(lemma(t) for t in doc if t.pos_ in keep and not t.is_stop and t.is_alpha)


def _phrase(tok: Any, with_det: bool = True) -> str:
    """A noun with its modifiers ("the chief executive", "Ant Group's IPO", "price per share")."""
    drop = WH | {"much", "many"}
    lefts = [
        t
        for t in tok.subtree
        if t.i < tok.i
        and t.lower_ not in drop
        and not (t.dep_ == "det" and t.head.i == tok.i and not with_det)
        and t.dep_ not in {"prep", "relcl", "acl", "punct"}
    ]
    words = [t.text_with_ws.strip() if t.dep_ != "case" else t.text for t in lefts]
    lead = " ".join(w for w in words if w).replace(" 's", "'s").replace(" ’s", "’s")
    words = [f"{lead} {tok.text}".strip()]
    for prep in tok.rights:  # "price per share"
        if prep.dep_ == "prep" and prep.lower_ == "per":
            words += [prep.text, *(c.text for c in prep.children if c.dep_ == "pobj")]
    return " ".join(words)


def _wanted_noun(doc: Any) -> Any:
    """The noun whose value is asked for: "which banks", "what was the price", "who is the
    chief executive", else None."""
    for t in doc:
        if t.lower_ in {"what", "which", "whose"} and t.dep_ == "det" and t.head.pos_ == "NOUN":
            return t.head
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.lemma_ == "be":
        subj = [c for c in root.children if c.dep_ in {"nsubj", "attr"} and c.lower_ not in WH]
        if subj and subj[0].pos_ in {"NOUN", "PROPN"}:
            return subj[0]
    for t in doc:
        if t.lower_ in {"much", "many"} and t.head.pos_ == "NOUN":
            return t.head
    return None


def _attached(doc: Any, skip: set[int]) -> list[str]:
    """Noun phrases of the question other than the focus, heads first (subject, objects)."""
    out: list[str] = []
    for t in doc:
        if t.i in skip or t.lower_ in WH or t.dep_ not in ATTACH_DEPS:
            continue
        if t.pos_ not in {"NOUN", "PROPN"}:
            continue
        out.append(_phrase(t))
    return out


def _subject(doc: Any) -> Any:
    return next((t for t in doc if t.dep_ in {"nsubj", "nsubjpass"} and t.lower_ not in WH), None)


def _of_phrases(noun: Any) -> list[str]:
    """What a noun belongs to: "the IPO" in "the price per share of the IPO"."""
    heads = [noun, *(c for p in noun.rights if p.lower_ == "per" for c in p.children)]
    return [
        _phrase(c)
        for h in heads
        for p in h.rights
        if p.dep_ == "prep" and p.lower_ != "per"
        for c in p.children
        if c.dep_ == "pobj"
    ]


def _past(verb: Any) -> str:
    base = lemma(verb)
    if base in PAST:
        return PAST[base]
    return base + ("d" if base.endswith("e") else "ed")


def clause(doc: Any) -> str:
    """The question as an indirect clause, without its wh-word: "Why was the IPO suspended?"
    -> "the IPO was suspended"; "When did Ant set it?" -> "Ant set it"."""
    toks = [t for t in doc if not t.is_punct]
    if toks and toks[0].lower_ in WH and toks[0].dep_ in {"nsubj", "nsubjpass"}:
        return " ".join(t.text for t in toks[1:])  # "who set the deadline"
    dropped = ""
    while toks and (
        toks[0].lower_ in WH | {"much", "many"}
        or toks[0].dep_ == "det"
        or (dropped in {"much", "many"} and toks[0].pos_ == "NOUN")
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
    return re.sub(r" (['’]s)\b", r"\1", " ".join(words))


CLAUSE_LEAD = {"reason": "why", "date": "when", "place": "where", "manner": "how",
               "amount": "how much", "count": "how many", "yes/no": "whether",
               "thing": "what", "list": "what", "person": "who",
               "organisation": "which organisation", "percent": "what share"}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def question_focus(question: str) -> QuestionFocus:
    """Parse a question into its answer type and focus (cached: one parse per question)."""
    doc = parse(question.strip())
    kind = answer_type(question)
    names = tuple((e.text, e.label_) for e in doc.ents if e.label_ not in {"ORDINAL"})
    content = content_lemmas(doc)
    root = next((t for t in doc if t.dep_ == "ROOT"), doc[0])
    noun = _wanted_noun(doc)
    nouns = {"NOUN", "PROPN"}
    if kind == "quote":
        subj = _subject(doc)
        who = _phrase(subj) if subj is not None else "the sources"
        focus, keys = f"what {who} said", frozenset({lemma(subj)} if subj is not None else ())
        attached = [who]
        phrase = ""
    elif noun is not None and lemma(noun) not in GENERIC and kind != "yes/no":
        focus = _phrase(noun, with_det=False)
        skip = {t.i for t in noun.subtree if t.dep_ != "prep" or t.lower_ == "per"}
        per = [c for p in noun.rights if p.lower_ == "per" for c in p.children]
        skip |= {noun.i, *(t.i for t in per)}
        keys = frozenset(lemma(t) for t in doc if t.i in skip and t.pos_ in nouns)
        attached = _of_phrases(noun)
        attached += [a for a in _attached(doc, skip) if a not in attached]
        phrase = f"the {focus} of {attached[0]}" if attached else f"the {focus}"
    else:
        focus = TYPE_WORDS.get(kind, "answer")
        skip = {noun.i} if noun is not None else set()
        ofs = _of_phrases(noun) if noun is not None else []
        attached = list(ofs)
        keys = frozenset(lemma(t) for t in doc if t.dep_ == "pobj" and t.head.head == noun)
        verb = root.pos_ == "VERB" and lemma(root) not in {"be", "do", "have"}
        if verb and lemma(root) in VERB_NOUNS:
            attached.append(f"the {VERB_NOUNS[lemma(root)]}")
        if verb:
            keys = keys | {lemma(root)}
        attached += [a for a in _attached(doc, skip) if a not in attached]
        phrase = f"{CLAUSE_LEAD.get(kind, 'what')} {clause(doc)}"
        if noun is not None and ofs and kind != "yes/no":  # "the size of the IPO"
            phrase = f"the {noun.lower_} of {attached[0]}"
        elif kind == "amount" and verb and " " not in VERB_NOUNS.get(lemma(root), " "):
            phrase = ""  # "the amount of Alibaba's December fine", from the parts
    return QuestionFocus(
        question=question,
        answer_type=kind,
        focus=focus,
        attached=tuple(dict.fromkeys(a for a in attached if a)),
        keys=keys,
        names=names,
        content=content,
        value_labels=frozenset(VALUE_LABELS.get(kind, set())),
        phrase=phrase,
    )
