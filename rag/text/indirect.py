"""A question rewritten as an indirect (embedded) one, from its spaCy parse, for the sentence
that names a missing detail: "The articles do not say in which month Saudi Aramco set its
share-sale record".

The wh-phrase stays in front ("in which month", "how many shares", "by what date"); an
inverted auxiliary moves after the subject ("was Ant planning" -> "Ant was planning"); do-
support goes and the verb takes its tense ("did ... set" -> "set", "does ... own" -> "owns");
a yes/no question becomes "whether ...". Words keep the question's own spacing.

>>> from rag.text.parser import parse
>>> embed(parse("In which month did Saudi Aramco set its share-sale record?")).text
'in which month Saudi Aramco set its share-sale record'
>>> embed(parse("How many shares was Ant planning to sell?")).text
'how many shares Ant was planning to sell'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.text.do_support import do_verb, inflect
from rag.text.words import WH

BE_HAVE = {"is", "was", "are", "were", "am", "has", "had", "have"}
COPULA = {"is", "was", "are", "were", "'s", "'re"}
MODALS = {"can", "could", "will", "would", "shall", "should", "may", "might", "must"}
MODALS |= {"ca", "wo"}  # "can't", "won't" as spaCy splits them
DO = {"do": "VBP", "does": "VBZ", "did": "VBD"}
CONTRACTED = {"'s": "is", "'re": "are", "'ll": "will", "'ve": "have", "'d": "would", "'m": "am"}
AUXES = BE_HAVE | MODALS | set(DO) | set(CONTRACTED)
VERB_TAGS = {"VB", "VBD", "VBZ", "VBP", "MD"}  # not VBN/VBG: "how many registered users"
INSIDE_NP = {"amod", "compound", "nmod", "poss"}  # a participle modifying a noun
BEFORE_VERB = {"aux", "auxpass", "neg", "advmod"}  # "can Alipay *be* used", "had X *already*"
NEGATION = {"not", "n't", "never"}
END = {"?", ".", "!", "…"}
# Requests that wrap a question already in indirect order.
ASKERS = [(), ("please",), ("can", "you"), ("could", "you"), ("would", "you")]
ASKERS += [(*a, "please") for a in ASKERS[2:]]
REQUESTS = sorted(
    {(*a, verb, who) for a in ASKERS for verb in ("tell", "show") for who in ("me", "us")}
    | {("do", "you", "know"), ("does", "anyone", "know"), ("i", "wonder")},
    key=len,
    reverse=True,
)
ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)", re.I)
WH_TAGS = {"WDT", "WP", "WP$", "WRB"}  # "that", "who" of a relative clause
LINKS = {"and", "but", "or", "so", "then", "now", "well"}  # "And when ...": tie to what came before


@dataclass(frozen=True, slots=True)
class IndirectQuestion:
    """The embedded question (``text``), whether the wh-phrase asks for the subject
    (``subject_asked``: "which vice premier oversees ...", kept in the question's order) and
    whether the text was a wh- or yes/no question at all (``question``)."""

    text: str
    subject_asked: bool
    question: bool = True
    noun: str = ""  # what "What is X?" asks about, as written: "the name of Ant's officer"


def _aux(tok: Any) -> bool:
    return _norm(tok.lower_) in AUXES and not _possessive(tok)  # not "Alibaba's"


def _norm(word: str) -> str:
    return word.replace("’", "'")


def _verbal(tok: Any) -> bool:
    return _aux(tok) or (tok.tag_ in VERB_TAGS and tok.dep_ not in INSIDE_NP)


def _start(toks: list[Any]) -> int:
    """Where the question proper starts: after a lead ended by a comma ("According to Xinhua,
    when did ..."; "Besides property, which rights ...") when a wh-word or auxiliary follows."""
    for i, t in enumerate(toks[:-1]):
        if t.lower_ in WH:  # the question has begun: "Whose interests, apart from ..., must"
            return 0
        if t.text == "," and (_wh_end(toks, i + 1) is not None or _aux(toks[i + 1])):
            return i + 1  # "Besides payments, in which lines ..."
    return 0


def _links(toks: list[Any]) -> int:
    """How many leading words only tie the question to what came before ("And when did ...",
    "So why ..."): the indirect question goes without them."""
    i = 0
    while i + 1 < len(toks) and toks[i].lower_ in LINKS:
        nxt = toks[i + 1]
        if not (nxt.lower_ in WH or _aux(nxt) or nxt.pos_ in {"ADV", "ADP"}):
            break
        i += 1
    return i


def _wh_end(toks: list[Any], start: int) -> int | None:
    """The end of the wh-phrase (adverbs, prepositions, the wh-word and its noun phrase:
    "Exactly how much", "On what date in December"), that is the first auxiliary or verb
    after it; None without a wh-word."""
    i = start
    while i < len(toks) and _leads_wh(toks, i, start) and toks[i].lower_ not in WH:
        i += 1
    if i >= len(toks) or toks[i].lower_ not in WH:
        return None
    j = i + 1
    # a wh-determiner's noun, however tagged ("Which *lapses* ... did the officials find?")
    if toks[i].dep_ == "det" and j < len(toks) and not _aux(toks[j]):
        j += 1
    while j < len(toks) and not _verbal(toks[j]):
        j += 1
    return j


def _leads_wh(toks: list[Any], i: int, start: int) -> bool:
    """A word that may stand before the wh-word in its phrase: a preposition or an adverb
    ("Exactly how much", "Since when", "On what date"), or the noun of a compound
    preposition ("In *response* to what")."""
    t = toks[i]
    if t.pos_ in {"ADP", "ADV", "SCONJ"}:
        return True
    compound = t.pos_ == "NOUN" and start < i < len(toks) - 1
    return compound and toks[i - 1].pos_ == "ADP" and toks[i + 1].pos_ == "ADP"


def _verb_after(toks: list[Any], aux: int, after: int) -> tuple[int | None, int | None]:
    """(where the subject after the auxiliary at ``aux`` ends, the main verb's index): the
    verb the auxiliary belongs to, or the first verb form after it; (None, None) for a
    copula ("When is the deadline?"). The subject starts at ``after``."""
    a, first = toks[aux], toks[0].i
    head = a.head
    forms = _forms(_norm(a.lower_))
    if a.dep_ in {"aux", "auxpass"} and after <= head.i - first < len(toks):
        # a participle the parse hung on the subject is the verb "was" carries ("What
        # deadline was Ant *given* to hand in ...?"; "was ... hand" is no verb group)
        early = [t for t in toks[after + 1 : head.i - first] if t.dep_ == "acl"]
        if early and early[0].tag_ in forms - {"VB"} and "VB" not in forms:
            return early[0].i - first, early[0].i - first
        lo = toks[after].i
        before = [
            c.i
            for c in head.children
            if c.dep_ in BEFORE_VERB and lo <= c.i < head.i and not _noun_like(c)
        ]
        return min([head.i, *before]) - first, head.i - first
    # the wh-phrase measures the copula's subject ("How much was the fine imposed on ...?"):
    # a participle after the subject modifies it, it is not a passive ("the fine was
    # imposed"); "What kind of paradigm is it called?" is a passive
    predicate = any(t.dep_ == "acomp" and t.head.i == a.i for t in toks[:aux])
    for k in range(after + 1, len(toks)):
        if predicate and toks[k].dep_ == "acl" and toks[k].tag_ == "VBN":
            continue
        if toks[k].tag_ in forms and not _in_subject(toks[k]):
            return k, k
    return None, None


def _noun_like(tok: Any) -> bool:
    """A word the tagger took for an adverb that heads a noun phrase ("November *5th*")."""
    compound = any(c.dep_ == "compound" for c in tok.children)
    return compound or ORDINAL.fullmatch(tok.text) is not None


def _forms(aux: str) -> set[str]:
    """The verb forms an auxiliary can take: "was" a participle ("was planning", "was
    fined"), never a bare verb ("What was the value of the deals Alibaba failed to report?":
    "report" is not the verb of "was"); "has" a past participle; "did", "can" a bare verb."""
    word = CONTRACTED.get(aux, aux)
    if word in COPULA | {"am", "be", "been", "being"}:
        return {"VBG", "VBN"}
    if word in {"has", "had", "have"}:
        return {"VBN"}
    return {"VB", "VBG", "VBN"}


def _in_subject(verb: Any) -> bool:
    """A verb form that belongs to the subject: a participle modifying a noun ("the planned
    listing"), a relative clause with its own subject ("the services *Ant must fix*")."""
    own = any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children)
    return verb.dep_ in INSIDE_NP or verb.dep_ == "relcl" or own


def _copula_subject_end(toks: list[Any], after: int, copula: Any, loose: bool) -> int:
    """Where the subject after a copula ends: after its nsubj's phrase ("Is *Ant Group* a
    bank?", "Why is *the payments app* a target?"; the copula's own subject when it has one),
    else at the end ("Who is Pan Gongsheng?": the wh-word is the predicate). After a wh-phrase
    it must be the copula's own (``_of_copula``); a yes/no question's or an owning "has"'s
    (``loose``) may be the first there is ("had *the officials* been"). Followed by an
    auxiliary or another verb's subject, the phrase is not the whole subject but goes on in a
    relative clause ("how big was the offering *Ant had* to halt"): the end too."""
    first = toks[0].i
    subjects = [t for t in toks[after:] if t.dep_ in {"nsubj", "nsubjpass", "expl"}]
    subject = next((t for t in subjects if t.head.i == copula.i), None)
    subject = subject or next((t for t in subjects if loose or _of_copula(t, copula)), None)
    if subject is None:
        return len(toks)
    end: int = subject.right_edge.i - first + 1
    # a name takes no prepositional phrase but "of": "in the crosshairs" of "Why is Alipay in
    # the crosshairs ...?" is the predicate, whatever the parse attached it to
    if subject.text[:1].isupper():
        preps = [c for c in subject.rights if c.dep_ == "prep" and c.lower_ != "of"]
        end = min([end, *(p.left_edge.i - first for p in preps)])
    while True:  # "Ant" or "Ant's" parsed as the subject: the possessed noun goes with it
        if end + 1 < len(toks) and _possessive(toks[end]):
            end = max(end + 2, toks[end + 1].right_edge.i - first + 1)
        elif 0 < end < len(toks) and _possessive(toks[end - 1]):
            end = max(end + 1, toks[end].right_edge.i - first + 1)
        else:
            break
    if end < len(toks) and (_aux(toks[end]) or _subject_of_other(toks[end], copula)):
        return len(toks)
    return min(end, len(toks))


def _subject_of_other(tok: Any, copula: Any) -> bool:
    """The word after the phrase is a subject of another verb: the phrase goes on in a
    relative clause ("the acquisitions *Alibaba failed* to report")."""
    return tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.i != copula.i


def _of_copula(subject: Any, copula: Any) -> bool:
    """The subject is the copula's own, though the parse hung it on its predicate ("cheaper",
    "opened") or on the verb the copula is hung on ("When was Ant renamed ...?"); not one of a
    clause of its own ("with how the giant disclosed ...", "the articles that carry ...", a
    bare verb "be" cannot take)."""
    head = subject.head
    local = head.i == copula.head.i or head.head.i == copula.i
    local = local and head.dep_ not in {"advcl", "relcl", "acl"}  # "while *it* prepared"
    return local and head.tag_ not in {"VB", "VBZ", "VBP", "MD"} and subject.tag_ not in WH_TAGS


def _possessive(tok: Any) -> bool:
    """The possessive ending ("’s" in "Ant’s IPO", whatever its tag), not "What's"."""
    if tok.tag_ == "POS":
        return True
    if _norm(tok.text) not in {"'s", "'"} or not tok.i:
        return False
    before = tok.nbor(-1)
    return not before.whitespace_ and before.pos_ in {"NOUN", "PROPN"}


def as_written(toks: list[Any], start: int = -1) -> str:
    """Tokens' text with their own spacing, the one at index ``start`` with a small letter."""
    return _text(toks, start, {})


def _text(toks: list[Any], start: int, overrides: dict[int, str]) -> str:
    """The tokens' text with their own spacing; ``overrides`` replaces some tokens' words."""
    out = []
    for t in toks:
        word = overrides.get(t.i, t.text)
        if t.i == start and word[:1].isupper() and t.tag_ not in {"NNP", "NNPS"}:
            word = word[:1].lower() + word[1:]  # "Which" -> "which", not "Alibaba"
        out.append(word + t.whitespace_)
    return "".join(out).strip()


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def embed(doc: Any) -> IndirectQuestion:
    """The question of a parsed text as an indirect one (see the module's docstring). A lead
    before a comma goes to the end ("Besides property, which rights ..." -> "which rights
    ... besides property"), an attribution ("According to Xinhua, ...") goes. A text that is
    not a question comes back as it is, first letter lowered (``question`` False)."""
    toks = [t for t in doc]
    while toks and toks[-1].text in END:
        toks.pop()
    if not toks:
        return IndirectQuestion(doc.text.strip(), False, question=False)
    start = _start(toks)
    lead, toks = toks[: max(start - 1, 0)], toks[start:]  # without the comma
    toks = toks[_links(toks) :]
    if any(t.lower_ == "according" for t in lead):
        lead = []  # where to read the answer, not part of what is missing
    first = doc[0].i
    if (inner := _requested(toks)) is not None:  # "Can you tell me which official ...?"
        wh = next(t for t in toks[inner:] if t.lower_ in WH)
        asked = any(t.dep_ in {"nsubj", "nsubjpass"} and wh in t.subtree for t in toks[inner:])
        return IndirectQuestion(_join(as_written(toks[inner:], toks[inner].i),
                                      _text(lead, first, {})), asked)  # fmt: skip
    wh_end = _wh_end(toks, 0)
    if wh_end is None and not _aux(toks[0]):  # "List the services ...": not a question
        return IndirectQuestion(as_written([*lead, *toks], first), False, question=False)
    aux = wh_end if wh_end is not None else 0
    body, asked = _reorder(toks, aux, toks[0].i)
    wh = "whether" if wh_end is None else _text(toks[:wh_end], toks[0].i, {})
    text = _join(wh, body, _text(lead, first, {}))
    noun = "" if lead else _copula_noun(toks, wh_end)
    return IndirectQuestion(text, asked and wh_end is not None, noun=noun)


def _requested(toks: list[Any]) -> int | None:
    """Where the question a request wraps begins ("Can you tell me *which official* ...",
    "Do you know *when* ...", "Please tell us *why* ..."): it is already indirect; else None."""
    words = [t.lower_ for t in toks]
    for pattern in REQUESTS:
        n = len(pattern)
        if words[:n] == list(pattern) and n < len(toks) and _wh_end(toks, n) is not None:
            return n
    return None


def _copula_noun(toks: list[Any], wh_end: int | None) -> str:
    """The noun phrase a bare "What is ...?" or "Who was ...?" asks about, as written, when
    it is one with a value ("the name of the department head who spoke on December 31",
    "Ant's chairman"); else ""."""
    bare = wh_end == 1 and toks[0].lower_ in {"what", "who", "which"}
    if not bare or len(toks) < 3 or _norm(toks[1].lower_) not in COPULA:
        return ""
    if _verb_after(toks, 1, 2) != (None, None):
        return ""
    owned = toks[2].tag_ in {"DT", "PRP$"} or any(t.tag_ == "POS" for t in toks[2:])
    return _text(toks[2:], -1, {}) if owned else ""  # not "What is Ant?": "what Ant is"


def _reorder(toks: list[Any], aux: int, first: int) -> tuple[str, bool]:
    """The words after the wh-phrase in statement order, and whether the wh-phrase is the
    subject (nothing stands between the auxiliary and its verb, or no auxiliary)."""
    if aux >= len(toks) or not _aux(toks[aux]):
        return _text(toks[aux:], first, {}), True
    a = toks[aux]
    negated = aux + 1 < len(toks) and _norm(toks[aux + 1].lower_) in NEGATION  # "didn't", "is not"
    after = aux + 2 if negated else aux + 1
    stop, verb = _verb_after(toks, aux, after)
    if stop is None:  # a copula: it follows its subject ("why the app is a target"), last
        # when the wh-phrase is its predicate ("who Pan Gongsheng is"); "has" of owning too
        owns = _norm(a.lower_) in {"has", "have", "had"}  # "has China no rulebook": owning
        stop = _copula_subject_end(toks, after, a, loose=aux == 0 or owns)
    if stop <= after:  # "which companies must analyse ...", "who was fined"
        return _text(toks[aux:], first, {}), True
    full = CONTRACTED.get(_norm(a.lower_))  # "What's" -> "what ... is"
    word = _text(toks[aux:after], first, {a.i: full} if full else {})
    do = DO.get(a.lower_)
    inflected: dict[int, str] = {}
    if do and not negated:  # "did Saudi Aramco set" -> "Saudi Aramco set"
        found = do_verb(toks, after, verb)
        if found is None:  # no verb to carry the tense: "how did ..." as asked
            return _text(toks[aux:], first, {}), False
        # the parse's own verb keeps the adverbs before it; another verb ends the subject
        stop, verb, word = (min(stop, found) if found == verb else found), found, ""
        inflected = {toks[verb].i: inflect(toks[verb], do)}
    subject = _text(toks[after:stop], first, {})
    return _join(subject, word, _text(toks[stop:], first, inflected)), False
