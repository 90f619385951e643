"""What a question asks for, and how a multi-part question splits."""

from __future__ import annotations

import functools
import re

from rag.text.facts import all_facts, entities

WH = (
    r"(?:what|when|who|whom|whose|which|where|why|how|on what|at what|in what|did|does|do|"
    r"is|are|was|were|will|would|can)"
)

CAUSAL_Q = re.compile(
    r"\b(?:why|how come|what (?:caused|led|prompted|reasons?)|reason|because)\b", re.I
)
HOW_Q = re.compile(r"^\s*how\b(?! (?:much|many|big|large|long|often))", re.I)
AMOUNT_Q = re.compile(
    r"\b(?:how (?:much|many|big|large)|what (?:share|size|amount|percentage|proportion|number)|"
    r"size|valuation|worth|figure|raise[ds]?|price)\b",
    re.I,
)
DATE_Q = re.compile(
    r"\b(?:when|what (?:date|day|year|month|time)|which (?:date|day|year|month)|"
    r"over what period|on what date|date)\b",
    re.I,
)
PERSON_Q = re.compile(r"\b(?:who|whom|whose|which (?:person|official|reporter))\b", re.I)

CAUSAL_CUES = re.compile(
    r"\b(?:because|due to|citing|cited|as a result|in order to|so as to|to comply|"
    r"inability|unable|reason|aim(?:ed)? to|to (?:maintain|meet|avoid|comply|"
    r"keep|better|prevent)|concerned|risk|amid|therefore|so that|particularly due)\b",
    re.I,
)
PERSON_CUES = re.compile(
    r"\b(?:chairman|president|governor|reporter|official|head|minister|chief|founder|"
    r"ceo|executive|spokes\w+)\b",
    re.I,
)
AMOUNT_CUES = re.compile(r"\b(?:half|majority|most|percent|billion|million|number)\b|[%$]", re.I)


def question_types(question: str) -> set[str]:
    """Answer types the question asks for: why, how, amount, date, person.

    >>> question_types("Why was the IPO suspended?"), question_types("How much was it fined?")
    ({'why'}, {'amount'})
    """
    kinds: set[str] = set()
    if CAUSAL_Q.search(question):
        kinds.add("why")
    if HOW_Q.search(question):
        kinds.add("how")
    if AMOUNT_Q.search(question):
        kinds.add("amount")
    if DATE_Q.search(question):
        kinds.add("date")
    if PERSON_Q.search(question):
        kinds.add("person")
    return kinds


@functools.lru_cache(maxsize=1 << 16)
def satisfies(kind: str, sentence: str) -> bool:
    """Whether a sentence holds the asked-for type of answer.

    Cached: the second stage asks it of the same stored sentences for query after query,
    and the fact regexes were most of a search's Python time.
    """
    if kind in ("why", "how"):
        return bool(CAUSAL_CUES.search(sentence)) or kind == "how"
    facts = all_facts(sentence)
    if kind == "amount":
        return any(f.startswith(("money:", "pct:", "num:")) for f in facts) or bool(
            AMOUNT_CUES.search(sentence)
        )
    if kind == "date":
        return any(f.startswith(("date:", "month:", "weekday:")) for f in facts) or bool(
            re.search(r"\b(?:19|20)\d\d\b|\b(?:weeks?|months?|years?|days?)\b", sentence)
        )
    if kind == "person":
        return bool(PERSON_CUES.search(sentence)) and bool(entities(sentence))
    return True


SPLIT = re.compile(rf"(?:,\s*and\s+|;\s*|\?\s+|\s+and\s+(?={WH}\b))(?={WH}\b)", re.I)


def split_parts(question: str) -> list[str]:
    """'When was X, and what was Y?' -> ['When was X', 'what was Y?']; else [question].

    >>> split_parts("Who set the deadline, and why?")
    ['Who set the deadline', 'why?']
    """
    parts = [p.strip(" ,;") for p in SPLIT.split(question) if p and p.strip(" ,;?")]
    return parts if len(parts) > 1 else [question]


DIRECTION_WORDS = frozenset({"western", "eastern", "northern", "southern", "apart", "exactly"})
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def named_things(question: str) -> set[str]:
    """Names, acronyms and years a question mentions (not its opening word)."""
    first = re.match(r"\s*([\w’'&.-]+)", question)
    opener = first.group(1).lower() if first else ""
    names = {e for e in entities(question) if e != opener and e not in DIRECTION_WORDS}
    return names | set(YEAR.findall(question))


def unmatched_names(question: str, evidence: str, years: set[str]) -> list[str]:
    """Names and years of the question that the evidence (or its publication years) lacks.

    >>> unmatched_names("What did Huabei say?", "Ant Group said nothing.", set())
    ['huabei']
    """
    words = {w.lower().strip(".-") for w in re.findall(r"[\w&.-]+", evidence)}
    words |= {w[:-2] for w in words if w.endswith(("'s", "’s"))}  # "ant's" -> "ant"
    out = []
    for name in sorted(named_things(question)):
        if name.isdigit():
            if name not in words and name not in years:
                out.append(name)
        elif name not in words and name.rstrip("s") not in words:
            out.append(name)
    return out
