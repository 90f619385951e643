"""Does the evidence state what was asked? Per candidate sentence: is the focus there, is a
value of the asked-for type there, are the question's names there (and no other subject in
their place); per question: ``answers``, ``related only`` or ``not covered``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from rag.answer.scored import ScoredSentence
from rag.text.focus import QuestionFocus
from rag.text.grain import date_grain, fits_grain
from rag.text.lexicon import lexicon, match
from rag.text.questions import satisfies, split_parts
from rag.text.reading import SentenceReading
from rag.text.tokens import tokenize

TOP = 8  # candidate sentences read per question
SPEECH = {"say", "state", "announce", "warn", "tell", "claim", "note", "add", "explain",
          "accord", "write", "declare", "stress", "comment", "call", "report"}  # fmt: skip
ACTORS = {"ORG", "PERSON", "GPE", "NORP"}
VERDICTS = ("answers", "related only", "not covered")
# Answer types whose value NER can see (a sum, a number, a share, a date, a name): for these
# the absence of a value near the focus is evidence enough that the detail is not given.
TYPED = {"amount", "count", "percent", "date", "person", "place", "organisation"}


@dataclass(frozen=True, slots=True)
class SentenceSignals:
    """What one sentence shows for the question (fractions in [0, 1], flags as 0/1)."""

    row: int
    focus: float  # share of the focus's key lemmas present
    value: float  # a value of the asked-for type present (not one the question names)
    names: float  # share of the question's names present
    clash: float  # another actor stands where the question's missing name should be
    content: float  # share of the question's content lemmas present
    head: float = 1.0  # the wanted noun itself is there ("premier" of "vice premier")

    @property
    def near(self) -> bool:
        """The sentence is about the focus: its key lemmas, or most of the question's words."""
        return self.focus >= 0.5 or self.content >= 0.5

    @property
    def answers(self) -> bool:
        return (
            self.near and self.value > 0 and self.names >= 1.0 and not self.clash and self.head > 0
        )

    @property
    def related(self) -> bool:
        return (self.focus > 0 or self.content >= 0.34) and self.names >= 0.5


@dataclass(frozen=True, slots=True)
class Reading:
    """The verdict for a question, the best sentence row per verdict and the signals the
    calibrated decision uses."""

    verdict: str
    best: dict[str, int]  # verdict -> sentence row
    unknown_names: list[str]
    signals: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "best": dict(self.best),
            "unknown_names": list(self.unknown_names),
            "signals": dict(self.signals),
        }


ALIASES = {"ipo": "initial public offering"}
KINDS = {"group", "company", "bank", "exchange", "commission", "firm", "agency", "ministry"}


def _in(name: str, text: str) -> bool:
    """A name is mentioned: its head word (possessive and article dropped), or an alias."""
    low = text.lower()
    words = [w for w in re.findall(r"[\w.&-]+", re.sub(r"['’]s\b", "", name.lower()))]
    words = [w for w in words if w not in {"the", "of", "and"}]
    if not words:
        return True
    head = words[0]
    alias = ALIASES.get(head)
    if len(words) > 1 and words[-1] in KINDS and re.search(rf"\bthe {words[-1]}\b", low):
        return True  # "the group's chairman": Ant Group by the kind of thing it is
    return re.search(rf"(?<!\w){re.escape(head)}", low) is not None or bool(alias and alias in low)


# A share said in words ("more than half of the market"), which NER does not tag PERCENT.
FRACTION = re.compile(
    r"\b(?:half|(?:a|one|two) thirds?|(?:a|one|three) quarters?|majority|minority)\b", re.I
)


# Words that name the asked-for value itself ("the name of", "which month"): the value's
# clause need not hold them.
VALUE_WORDS = {"amount", "size", "number", "date", "reason", "money", "sum", "value", "way",
               "name", "month", "year", "day", "time", "city", "country", "place", "percentage",
               "share", "person", "figure", "total", "much", "many", "period", "large", "big",
               "high", "long"}  # fmt: skip
# "Do the reports agree on how big the IPO was?" asks about the sources' figures: what the
# value must be stated of is the IPO, not agreeing.
SOURCES = {"agree", "differ", "disagree", "conflict", "vary", "match", "news", "source",
           "article", "account"}  # fmt: skip
# Roles in which a name is an owner, not the asked-for place or time ("China's leaders").
OWNER_ROLES = {"poss"}


# Types whose value is stated of an event, saying included ("On which weekday did the
# regulator announce ...?": the weekday is the announcement's).
EVENT_TYPES = frozenset({"date", "place", "person", "organisation"})

# Nouns that name only the kind of answer ("which company", "which people"): the answer's
# sentence need not repeat them ("Ant, which owns Alipay" answers "Which company owns Alipay?").
CATEGORIES = frozenset({"company", "firm", "group", "organisation", "organization", "business",
                        "institution", "entity", "person", "people", "one"})  # fmt: skip

# Verbs too light to stand for another word ("hold" ~ "make" in WordNet's senses).
LIGHT = frozenset({"make", "have", "get", "take", "give", "do", "go", "put", "set", "be"})
SHARED = 3  # question words a value's clause holds that link it without the key words


def _name_words(f: QuestionFocus) -> frozenset[str]:
    """The lower-cased words of the question's names."""
    return frozenset(w.lower() for n, _ in f.names for w in re.findall(r"\w+", n))


@lru_cache(maxsize=256)
def link_terms(f: QuestionFocus) -> tuple[frozenset[str], frozenset[str]]:
    """What a value must be stated of: the focus's key lemmas (else the question's content
    lemmas), and the question's content lemmas; both without the question's names, speech
    verbs and the words naming the value (once per question, not per candidate sentence)."""
    drop = VALUE_WORDS | _name_words(f) | SOURCES | {"be", "do", "have"}
    if f.answer_type not in EVENT_TYPES:
        drop |= SPEECH  # "what did X say about Y" is about Y; "when did X announce" about that
    if f.answer_type in {"person", "organisation"}:
        drop |= CATEGORIES  # the value is the company: what it did is what it is linked to
    content = _spelled(f.content - drop)
    keys = _spelled(f.keys - drop)
    return (keys or content), content


def _spelled(words: frozenset[str]) -> frozenset[str]:
    """The words with their acronyms spelled out ("ipo" also as "offering")."""
    return words | {w for k in words & ALIASES.keys() for w in ALIASES[k].split()[-1:]}


def _linked(terms: tuple[frozenset[str], frozenset[str]], clause: frozenset[str]) -> bool:
    """The value's clause holds a key word (or another form or synonym of one), or several
    of the question's words (the key said otherwise: "regulators" as "ministries and
    commissions" beside "four central financial")."""
    keys, content = terms
    if not keys or keys & clause or len(content & clause) >= SHARED:
        return True
    lex, got = lexicon(), _terms(clause - LIGHT)
    return any(match(t, got, lex) > 0 for w in keys if (t := _term(w)))


def _of_named(f: QuestionFocus, r: SentenceReading, i: int) -> bool:
    """The value measures a thing the question names ("its $34.5 billion offering" for
    "How large was the Ant IPO?")."""
    if r.heads is None:
        return False
    return r.heads[i] in _spelled(_name_words(f))


def _values(f: QuestionFocus, r: SentenceReading) -> list[int]:
    """Indexes of the entities that give a value of the asked-for type for the focus: of
    the type, not one the question names, as fine a date as asked, not an owner of another
    thing, and stated of the focus (linked: in a clause with its key words)."""
    asked = {n.lower() for n, _ in f.names}
    grain = date_grain(f.question) if f.answer_type == "date" else None
    terms = link_terms(f)
    head = _head(f)
    out = []
    for i, (t, lab) in enumerate(r.ents):
        if lab not in f.value_labels and not _names_head(r, i, head):
            continue
        if t.lower() in asked or not fits_grain(grain, t):
            continue
        if r.roles is not None and f.answer_type in {"date", "place"} and r.roles[i] in OWNER_ROLES:
            continue
        if r.links is not None and not _linked(terms, r.links[i]) and not _of_named(f, r, i):
            continue
        out.append(i)
    return out


# Labels of a proper name: the small model's NER often labels a name wrongly ("Alipay" as
# PERSON), so a name that modifies the wanted noun counts whatever its label (not a
# nationality: "Chinese officials" names no official).
NAMED = frozenset({"ORG", "PERSON", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART"})


def _names_head(r: SentenceReading, i: int, head: str) -> bool:
    """The entity names the wanted noun: "Alipay" in "its Alipay platform" for "Through which
    platform ...?"."""
    return bool(head) and r.heads is not None and r.heads[i] == head and r.ents[i][1] in NAMED


def _has_value(f: QuestionFocus, r: SentenceReading, text: str) -> bool:
    if f.answer_type == "percent" and FRACTION.search(text):
        return _linked(link_terms(f), r.lemmas)  # no entity to link: the sentence must do
    if f.value_labels:
        return bool(_values(f, r))
    if f.answer_type == "reason":
        return satisfies("why", text)
    if f.answer_type == "quote":
        return bool(r.lemmas & SPEECH) or "“" in text or '"' in text
    if f.answer_type == "list":
        return text.count(",") >= 2 or len(r.ents) >= 3
    return True


def sentence_signals(f: QuestionFocus, c: ScoredSentence, r: SentenceReading) -> SentenceSignals:
    """The signals of one candidate sentence for a parsed question."""
    names = [n for n, lab in f.names if lab not in {"DATE", "CARDINAL"}] or []
    present = [n for n in names if _in(n, c.text)]
    missing_actor = any(not _in(n, c.text) for n, lab in f.names if lab in ACTORS)
    other = any(
        lab in ACTORS - f.value_labels and t.lower() not in {n.lower() for n, _ in f.names}
        and any(w.lower() in r.subjects for w in t.split())
        for t, lab in r.ents
    )  # fmt: skip
    return SentenceSignals(
        row=c.row,
        focus=_share(keys, r.lemmas) if (keys := f.keys - SOURCES) else 1.0,
        value=1.0 if _has_value(f, r, c.text) else 0.0,
        names=len(present) / len(names) if names else 1.0,
        clash=1.0 if missing_actor and other else 0.0,
        content=_share(f.content, r.lemmas),
        head=_share(frozenset({h}), r.lemmas) if (h := _head(f)) else 1.0,
    )


def _head(f: QuestionFocus) -> str:
    """The lemma of the wanted noun of a "which official" or "who is the chairman" question
    ("" when the focus is the answer type itself, "person" or "name")."""
    if f.answer_type not in {"person", "organisation"}:
        return ""
    words = re.findall(r"[a-z]+", f.focus.lower())
    if not words or words[-1] in VALUE_WORDS | {"organisation", "answer"}:
        return ""
    last = words[-1]
    head = next((k for k in f.keys if last.startswith(k) or k.startswith(last)), "")
    return "" if head in CATEGORIES else head


def _share(words: frozenset[str], lemmas: frozenset[str]) -> float:
    """Share of the question's lemmas the sentence holds; one it holds only as another form
    or a synonym ("supervisor" for "oversee") counts as rag.text.lexicon weighs it."""
    if not words:
        return 0.0
    got = words & lemmas
    if len(got) == len(words):
        return 1.0
    lex, terms = lexicon(), _terms(lemmas)
    rest = sum(match(t, terms, lex) for w in words - got if (t := _term(w)))
    return (len(got) + rest) / len(words)


def _term(word: str) -> str:
    """A lemma's own index term ("" for a stopword); not its acronym's expansion ("ipo" is
    not "public")."""
    terms = tokenize(word)
    return terms[0] if terms else ""


@lru_cache(maxsize=4096)
def _terms(lemmas: frozenset[str]) -> frozenset[str]:
    """A sentence's content lemmas as index terms (stems)."""
    return frozenset(t for w in lemmas if (t := _term(w)))


def unknown_names(f: QuestionFocus, corpus_lower: str) -> list[str]:
    """Names of the question that occur nowhere in the corpus (decisive: not covered)."""
    out = []
    for n, lab in f.names:
        if lab in {"DATE", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "TIME", "QUANTITY"}:
            continue
        words = [w for w in re.findall(r"[\w.&-]+", n.lower()) if w not in {"the", "of"}]
        if words and not all(re.search(rf"(?<!\w){re.escape(w)}", corpus_lower) for w in words):
            out.append(n)
    return out


def _typed_gap(f: QuestionFocus, sigs: list[SentenceSignals]) -> float:
    """1.0 when a typed question (how much, how many, what share, when, who) has candidate
    sentences about its focus and none of them holds a value of the asked-for type: "How much
    was Alibaba fined in December?" over "Alibaba was also slapped with a fine in December"."""
    if f.answer_type not in TYPED or len(split_parts(f.question)) > 1:
        return 0.0  # a multi-part question's parts are judged apart (rag.answer.answerability)
    about = [s for s in sigs if s.focus > 0 or s.near or s.related]
    # of the one asked about: most of its names ("China's central bank" where the sentence
    # calls Ant "the fintech juggernaut"), and no other actor in its place
    own = [s for s in about if s.names >= 0.5 and not s.clash and s.head > 0]
    return 1.0 if about and not any(s.value for s in own if s.near) else 0.0


def read_evidence(
    f: QuestionFocus,
    cands: list[ScoredSentence],
    readings: list[SentenceReading],
    corpus_lower: str,
) -> Reading:
    """The verdict for a question over its candidate sentences (best-scored first)."""
    unknown = unknown_names(f, corpus_lower)
    sigs = [sentence_signals(f, c, readings[c.row]) for c in cands[:TOP]]
    best: dict[str, int] = {}
    for s in sigs:
        if s.answers:
            best.setdefault("answers", s.row)
        if s.related:
            best.setdefault("related only", s.row)
    if unknown:
        verdict = "not covered"
    elif "answers" in best:
        verdict = "answers"
    elif "related only" in best:
        verdict = "related only"
    else:
        verdict = "not covered"
    top = sigs[0] if sigs else None
    signals = {
        "answers": 1.0 if "answers" in best else 0.0,
        "related": 1.0 if "related only" in best else 0.0,
        "unknown_names": float(len(unknown)),
        "focus": max((s.focus for s in sigs), default=0.0),
        "value_with_focus": max((s.value for s in sigs if s.focus > 0), default=0.0),
        "names": max((s.names for s in sigs), default=0.0),
        "clash_top": top.clash if top else 0.0,
        "content_top": top.content if top else 0.0,
        "answers_rank": next((i for i, s in enumerate(sigs) if s.answers), TOP) / TOP,
        "typed_gap": _typed_gap(f, sigs),
    }
    return Reading(verdict, best, unknown, signals)


class _Texted(Protocol):
    @property
    def text(self) -> str: ...


T = TypeVar("T", bound=_Texted)


def reason_first(f: QuestionFocus, claims: Sequence[T], may_lead: Callable[[T], bool]) -> list[T]:
    """A why-question's answer leads with the first sentence that gives a reason for the
    question's names ("... was stopped due to the inability of the group to meet the new
    conditions"), not with one that only restates the event; only a sentence that may lead
    (trusted evidence, not an upload) is moved."""
    if f.answer_type != "reason":
        return list(claims)
    names = [n for n, lab in f.names if lab not in {"DATE", "CARDINAL"}]
    for i, c in enumerate(claims):
        if satisfies("why", c.text) and all(_in(n, c.text) for n in names) and may_lead(c):
            return [claims[i], *claims[:i], *claims[i + 1 :]]
    return list(claims)
