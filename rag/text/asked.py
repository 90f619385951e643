"""The answer type a question asks for, by its wording (amount, count, percent, date,
person, organisation, place, reason, manner, quote, yes/no, list, else thing)."""

from __future__ import annotations

import re

ANSWER_TYPES = (
    "amount", "count", "percent", "date", "person", "organisation", "place",
    "reason", "manner", "quote", "yes/no", "list", "thing",
)  # fmt: skip

YES_NO = re.compile(
    r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should|may|might)\b",
    re.I,
)

# Nouns naming a person by role; after "the name of" also "head" and "chief", which after
# "which" are as often a verb or an adjective ("Which agency heads the probe?").
PERSON_NOUNS = (
    r"(?:(?:person|official|executive|reporter|journalist|founder|billionaire|officer|"
    r"minister|premier|governor|director|president|leader)s?|people|"
    r"(?:chair|spokes)(?:m[ae]n|wom[ae]n|persons?|people))"
)

# Order matters: the first rule that matches names the type.
TYPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "What happened to the number of products?" asks what changed, not for a count
    ("thing", re.compile(r"^\s*what (?:has |had )?happen(?:ed|s)? to\b", re.I)),
    # "Over what period did the number of products drop?" asks for a time, not a count
    ("date", re.compile(r"\b(?:over|during|in|within) what (?:period|span|time)\b", re.I)),
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
            r"stake|(?:interest|growth|tax|default) rates?|what rate)\b",
            re.I,
        ),
    ),
    (
        "amount",
        re.compile(
            r"\b(?:how (?:much|big|large)|(?:what|how) (?:is|was|are|were) the (?:\w+ )?"
            r"(?:value|amount|size|sum|cost|worth)\b|what (?:amount|size|sum|price|value|"
            r"valuation|cost)|price|valuation|worth|amount|size|sum of)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"\b(?:who|whom|whose|which (?:(?!(?:did|does|do|is|are|was|were|has|have|had)\b)"
            rf"\w+ ){{0,4}}{PERSON_NOUNS}|"
            r"(?:what|which) (?:is|was|are|were) the names? of "
            r"(?:\w+ ){0,3}(?:\w+['’]s )?(?:\w+ ){0,3}"
            rf"(?:{PERSON_NOUNS}|head|chief))\b",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(?:when|what (?:calendar |exact )?(?:date|day|year|month|time|weekday)|"
            r"which (?:date|day|year|month|weekday)|by what date|deadline|how long)\b",
            re.I,
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\b(?:(?:which|what) (?!(?:did|does|do|is|are|was|were|has|have|had|the|a|an)\b)"
            r"(?:(?!(?:of|did|does|do|is|are|was|were|has|have|had|will|would)\b)[\w-]+ ){0,2}|"
            r"(?:what|which) (?:is|was|are|were) the names? of (?:\w+ ){0,3}(?:[\w.&-]+['’]s )?"
            r"(?:\w+ ){0,3})"
            r"(?:compan(?:y|ies)|banks?|firms?|subsidiar(?:y|ies)|"
            r"regulators?|exchanges?|organi[sz]ations?|agenc(?:y|ies)|"
            r"authorit(?:y|ies)|institutions?|platforms?|groups?|bod(?:y|ies)|"
            r"watchdogs?|ministr(?:y|ies)|departments?|universit(?:y|ies)|"
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
            r"\bwhat (?:exactly |else )?(?:did|does|do|has|have|had|will|would) .+? (?:say|state|"
            r"announce|warn|tell|claim|write|report|declare|comment)\b|"
            r"\bwhat was said\b|\bhow did .+? (?:respond|react)\b",
            re.I,
        ),
    ),
    (
        "manner",
        re.compile(
            r"^\s*(?:and )?how\b(?! (?:much|many|big|large|long|often))|"
            r"\bin what way\b|\bby what (?:means|methods?|mechanisms?)\b|"
            r"\bwhat (?:means|methods?|mechanisms?) (?:did|does|do|was|were|is|are|will)\b",
            re.I,
        ),
    ),
    ("yes/no", YES_NO),
    # "list" the imperative, not the verb of "plans to list in Hong Kong"
    ("list", re.compile(r"\b(?:what are|which are|what were) the\b|^\s*(?:list|name) ", re.I)),
)

DESCRIBE_Q = re.compile(
    r"^\s*(?:[Ww]ho|[Ww]hat) (?:is|was|are|were) (?:[A-Z][\w.&’'-]*\s*)+\??\s*$"
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


def answer_type(question: str) -> str:
    """The answer type of a question, by its wording.

    >>> answer_type("Why was the IPO suspended?"), answer_type("Who runs Ant Group?")
    ('reason', 'person')
    """
    if DESCRIBE_Q.match(question):  # "Who is Pan Gongsheng?": a description, not a name
        return "thing"
    if m := IMPERATIVE.match(question):  # "Give the date on which ..." asks "which date ..."
        kind = answer_type(f"Which {question[m.end() :]}")
        return "list" if kind == "thing" and m.group(1).lower() in {"name", "list"} else kind
    first = WH_WORD.search(question)
    if YES_NO.match(question):  # "Will people who signed up be hurt?": "who" is a relative
        first = YES_NO.match(question)
    for kind, rule in TYPE_RULES:
        m = rule.search(question)
        if m and not _subordinate(m, first):
            return kind
    return "thing"


# An imperative that asks for its object: "Give the date on which ...", "Name the official
# who ...", "Tell me the amount ...".
IMPERATIVE = re.compile(
    r"^\s*(?:please )?(give|name|list|state|identify|specify|provide|tell me|find)"
    r"(?: me)? (?:the|all the|all) ",
    re.I,
)
WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|where|when|why|how)\b", re.I)
CLAUSE_WH = re.compile(r"(?:when|where|who|whom|whose)\b", re.I)


def _subordinate(m: re.Match[str], first: re.Match[str] | None) -> bool:
    """The match is a clause inside the question, not what it asks: "when" in "Which rule did
    officials cite when halting the IPO?" (a later "when", "where" or "who" after another
    wh-word)."""
    return first is not None and m.start() > first.start() and bool(CLAUSE_WH.match(m.group(0)))
