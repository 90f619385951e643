"""Is a value of the asked-for type there, stated of the focus? The checks behind a
candidate sentence's ``value`` signal (rag.answer.reading): the value's type, its link to the
focus's key words in its own clause, the date's grain, owners, names of the wanted noun."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text.focus import QuestionFocus
from rag.text.grain import date_grain, fits_grain
from rag.text.lexicon import lexicon, match
from rag.text.questions import satisfies
from rag.text.reading import SentenceReading
from rag.text.tokens import tokenize

ALIASES = {"ipo": "initial public offering"}
SPEECH = {"say", "state", "announce", "warn", "tell", "claim", "note", "add", "explain",
          "accord", "write", "declare", "stress", "comment", "call", "report"}  # fmt: skip


# How news text gives a cause or a purpose beyond the search stage's cues (rag.text.questions
# CAUSAL_CUES): a reason-typed question's value.
REASON = re.compile(
    r"\b(?:owing to|thanks to|as a result of|in response to|in (?:a|an) (?:bid|effort|attempt) to|"
    r"(?:after|following|amid|over) (?:the |its |his |their |a |an )?(?:\w+ ){0,3}"
    r"(?:concerns?|fears?|worries|criticism|comments|remarks|statements|decision|failure|"
    r"investigation|crackdown|probe|rules|requirements|conditions)|"
    r"since (?:the |it |they |he )|for (?:not |failing |breaking |violating )|"
    r"(?:led|leads|lead) to|prompt(?:ed|ing)?|spurr?(?:ed|ing)?|trigger(?:ed|ing)?|"
    r"blam(?:e|ed|ing)|fear(?:ed|ing|s)?|worr(?:y|ied|ies)|wary|vulnerable|"
    r"intend(?:ed|s)? to|seek(?:s|ing)? to|sought to|so as|"
    r"explain(?:ed|s)? that|the (?:reason|cause|motive|aim|goal|purpose))\b",
    re.I,
)


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
# Not reading.NAME_KINDS, the words ending a name that "the <word>" can stand for.
TYPE_NOUNS = frozenset({"company", "firm", "group", "organisation", "organization", "business",
                        "institution", "entity", "person", "people", "one"})  # fmt: skip

# Verbs too light to stand for another word ("hold" ~ "make" in WordNet's senses).
LIGHT = frozenset({"make", "have", "get", "take", "give", "do", "go", "put", "set", "be"})
SHARED = 3  # question words a value's clause holds that link it without the key words


def _name_words(f: QuestionFocus) -> frozenset[str]:
    """The lower-cased words of the question's names."""
    return frozenset(w for n, _ in f.names for w in _words(n))


@lru_cache(maxsize=256)
def link_terms(f: QuestionFocus) -> tuple[frozenset[str], frozenset[str]]:
    """What a value must be stated of: the focus's key lemmas (else the question's content
    lemmas), and the question's content lemmas; both without the question's names, speech
    verbs and the words naming the value (once per question, not per candidate sentence)."""
    drop = VALUE_WORDS | _name_words(f) | SOURCES | {"be", "do", "have"}
    if f.answer_type not in EVENT_TYPES:
        drop |= SPEECH  # "what did X say about Y" is about Y; "when did X announce" about that
    if f.answer_type in {"person", "organisation"}:
        drop |= TYPE_NOUNS  # the value is the company: what it did is what it is linked to
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
    lex, got = lexicon(), index_terms(clause - LIGHT)
    return any(match(t, got, lex) > 0 for w in keys if (t := index_term(w)))


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
    head = wanted_head(f)
    out = []
    for i, (t, lab) in enumerate(r.ents):
        if lab not in f.value_labels and not _names_head(r, i, head, f.answer_type):
            continue
        if t.lower() in asked or _same_actor(f, t) or not fits_grain(grain, t):
            continue
        if r.roles is not None and f.answer_type in {"date", "place"} and r.roles[i] in OWNER_ROLES:
            continue
        if r.links is not None and not _linked(terms, r.links[i]) and not _of_named(f, r, i):
            continue
        out.append(i)
    return out


def _same_actor(f: QuestionFocus, entity: str) -> bool:
    """The entity is an actor the question names, in a longer or shorter form ("Ant Group"
    for "Ant"): not the value asked for. A place inside a name still can be ("the Central
    Bank of China" answers "Which of China's regulators ...?")."""
    words = _words(entity)
    for n, lab in f.names:
        if lab in {"GPE", "LOC", "NORP", "DATE", "CARDINAL"}:
            continue
        own = _words(n)
        if own and words and (own <= words or words <= own):
            return True
    return False


def _words(text: str) -> frozenset[str]:
    """The lower-cased words of a name or a phrase, without "the" and a possessive's "s" (one
    splitting for every comparison of names here)."""
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in {"the", "s"})


# Labels of a proper name: the small model's NER often labels a name wrongly ("Alipay" as
# PERSON), so a name that modifies the wanted noun counts whatever its label (not a
# nationality: "Chinese officials" names no official).
NAMED = frozenset({"ORG", "PERSON", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART"})
INSTITUTIONS = frozenset({"ORG", "GPE", "LOC", "FAC"})


def _names_head(r: SentenceReading, i: int, head: str, kind: str) -> bool:
    """The entity names the wanted noun: "Alipay" in "its Alipay platform" for "Through which
    platform ...?"; for a person, not a body or a place ("Central Bank of China officials"
    names no official)."""
    labels = NAMED - INSTITUTIONS if kind == "person" else NAMED
    return bool(head) and r.heads is not None and r.heads[i] == head and r.ents[i][1] in labels


def has_value(f: QuestionFocus, r: SentenceReading, text: str) -> bool:
    if f.answer_type == "percent" and FRACTION.search(text):
        return _linked(link_terms(f), r.lemmas)  # no entity to link: the sentence must do
    if f.value_labels:
        return bool(_values(f, r))
    if f.answer_type == "reason":
        return satisfies("why", text) or REASON.search(text) is not None
    if f.answer_type == "quote":
        said = bool(r.lemmas & SPEECH) or "“" in text or '"' in text
        return said and _said_by(f, r, text)
    if f.answer_type == "yes/no":  # the predicate asked about, or a synonym of it
        return key_share(f.keys, r.lemmas) >= 0.5 if f.keys else True
    if f.answer_type == "list":
        return text.count(",") >= 2 or len(r.ents) >= 3
    return True


ACCORDING = re.compile(r"\baccording to ([^,.;]+)", re.I)


def _said_by(f: QuestionFocus, r: SentenceReading, text: str) -> bool:
    """The one asked about is who speaks: a subject of the sentence or whom it is "according
    to" ("What did the Chinese banks say ...?" is not answered by what the Post reports Ant
    did)."""
    if not f.keys:
        return True
    speakers = r.subjects | frozenset(w for m in ACCORDING.finditer(text) for w in _words(m[1]))
    # the speaker's own name counts too ("Jack Ma's firm": "Jack Ma's company says")
    who = f.attached[0].lower() if f.attached else ""
    named = frozenset(w for n, _ in f.names if n.lower() in who for w in _words(n))
    return key_share(f.keys, speakers) > 0 or bool(named & speakers)


def wanted_head(f: QuestionFocus) -> str:
    """The lemma of the wanted noun of a "which official" or "who is the chairman" question
    ("" when the focus is the answer type itself, "person" or "name")."""
    if f.answer_type not in {"person", "organisation"}:
        return ""
    words = re.findall(r"[a-z]+", f.focus.lower())
    if not words or words[-1] in VALUE_WORDS | {"organisation", "answer"}:
        return ""
    last = words[-1]
    head = next((k for k in f.keys if last.startswith(k) or k.startswith(last)), "")
    return "" if head in TYPE_NOUNS else head


@lru_cache(maxsize=256)  # asked per candidate sentence; the question's answer is the same
def wanted_modifiers(f: QuestionFocus) -> frozenset[str]:
    """The key lemmas that narrow the wanted noun ("investment" of "which investment banks",
    "vice" of "which vice premier"): a central bank is not an investment bank."""
    head = wanted_head(f)
    words = re.findall(r"[a-z]+", f.focus.lower())[:-1]
    return frozenset(
        k for k in f.keys - {head} if any(w.startswith(k) or k.startswith(w) for w in words)
    )


def index_term(word: str) -> str:
    """A lemma's own index term ("" for a stopword); not its acronym's expansion ("ipo" is
    not "public")."""
    terms = tokenize(word)
    return terms[0] if terms else ""


@lru_cache(maxsize=4096)
def index_terms(lemmas: frozenset[str]) -> frozenset[str]:
    """A sentence's content lemmas as index terms (stems)."""
    return frozenset(t for w in lemmas if (t := index_term(w)))


def key_share(words: frozenset[str], lemmas: frozenset[str]) -> float:
    """Share of the question's lemmas the sentence holds; one it holds only as another form
    or a synonym ("supervisor" for "oversee") counts as rag.text.lexicon weighs it."""
    if not words:
        return 0.0
    got = words & lemmas
    if len(got) == len(words):
        return 1.0
    lex, terms = lexicon(), index_terms(lemmas)
    # summed in a fixed order: a set's order follows the hash seed, and float sums its order
    rest = sum(match(t, terms, lex) for w in sorted(words - got) if (t := index_term(w)))
    return (len(got) + rest) / len(words)
