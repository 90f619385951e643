"""Checkable facts in a sentence: numbers, amounts, dates and named entities, normalised.

"$ 37 billion" and "$37 billion" give the same fact; "December 26th" and "Dec. 26" too.
"""

from __future__ import annotations

import re
from functools import lru_cache

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
MONTH_NAMES = {k for k in MONTHS if len(k) > 3 or k == "may"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100,
    "half": 0.5, "dozen": 12,
}  # fmt: skip
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
CURRENCY = {"$": "usd", "us$": "usd", "usd": "usd", "yuan": "cny", "rmb": "cny", "€": "eur",
            "£": "gbp", "hk$": "hkd", "dollars": "usd", "dollar": "usd"}  # fmt: skip

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
NUMBER = re.compile(
    r"(?P<cur>hk\$|us\$|\$|€|£)?\s?(?P<num>\d+(?:[.,]\d+)*|"
    + "|".join(NUMBER_WORDS)
    + r")(?:st|nd|rd|th)?(?:\s?(?P<scale>thousand|million|billion|trillion|bn)\b)?"
    r"(?:\s?(?P<pct>%|percent|per cent))?(?:\s(?P<cur2>yuan|rmb|dollars?))?",
    re.IGNORECASE,
)
DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b\.?", re.I)
MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
WORD = re.compile(r"[\w.&$%-]+|[^\w\s]")

# Capitalised words that are not names when they open a sentence or stand alone.
COMMON_CAPS = frozenset(
    [
        "a",
        "an",
        "the",
        "in",
        "on",
        "at",
        "of",
        "for",
        "to",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "if",
        "as",
        "after",
        "before",
        "since",
        "following",
        "according",
        "however",
        "indeed",
        "still",
        "also",
        "although",
        "though",
        "while",
        "when",
        "where",
        "what",
        "which",
        "who",
        "why",
        "how",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "they",
        "their",
        "there",
        "he",
        "she",
        "we",
        "you",
        "i",
        "our",
        "his",
        "her",
        "not",
        "no",
        "yes",
        "all",
        "any",
        "some",
        "many",
        "most",
        "more",
        "several",
        "both",
        "each",
        "every",
        "initial",
        "public",
        "offering",
        "ipo",
        "regarding",
        "equally",
        "strictly",
        "protect",
        "it's",
        "chinese",
        "internet",
        "financial",
        "central",
        "bank",
        "group",
        "company",
        "commission",
        "over",
        "through",
        "once",
        "every",
        "besides",
        "during",
        "under",
        "because",
        "despite",
        "then",
        "now",
        "today",
        "yesterday",
        "last",
        "next",
        "only",
        "even",
        "just",
        "so",
        "thus",
        "therefore",
        "meanwhile",
        "moreover",
        "further",
        "furthermore",
        "instead",
        "other",
        "another",
        "such",
        "much",
        "few",
        "has",
        "have",
        "had",
        "was",
        "were",
        "is",
        "are",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "must",
        "should",
        "did",
        "do",
        "does",
        "until",
        "about",
        "above",
        "across",
        "against",
        "along",
        "among",
        "around",
        "behind",
        "below",
        "beside",
        "between",
        "beyond",
        "into",
        "near",
        "off",
        "onto",
        "out",
        "outside",
        "past",
        "per",
        "toward",
        "towards",
        "upon",
        "within",
        "via",
        "here",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "once-comparable",
        "through-alipay",
        "officials",
        "official",
        "authorities",
        "regulators",
        "beijing's",
    ]
)
# Demonyms: "China's central bank" is supported by "the Chinese central bank".
EQUIVALENT = {"china": "chinese", "chinese": "china", "u.s": "american", "american": "u.s"}
GENERIC_ENTITY_WORDS = frozenset(
    ["group", "co", "ltd", "company", "inc", "corp", "corporation", "the", "of", "and", "s"]
)


def _num_value(raw: str) -> float | None:
    raw = raw.lower()
    if raw in NUMBER_WORDS:
        return float(NUMBER_WORDS[raw])
    digits = raw.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return None


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def date_facts(text: str) -> set[str]:
    """Day-of-month dates as 'date:MM-DD'; month names alone as 'month:MM'."""
    out: set[str] = set()
    for m in MONTH_DAY.finditer(text):
        month = MONTHS[m.group(1).lower()]
        out |= {f"date:{month:02d}-{int(m.group(2)):02d}", f"month:{month:02d}"}
    for m in DAY_MONTH.finditer(text):
        month = MONTHS[m.group(2).lower()]
        out |= {f"date:{month:02d}-{int(m.group(1)):02d}", f"month:{month:02d}"}
    for w in re.findall(r"[A-Za-z]+", text):
        lw = w.lower()
        if lw in MONTH_NAMES and (w[0].isupper() or lw != "may"):
            out.add(f"month:{MONTHS[lw]:02d}")
        elif lw in WEEKDAYS:
            out.add(f"weekday:{lw}")
    return out


def number_facts(text: str) -> set[str]:
    """Amounts, percentages, years and counts as normalised strings.

    >>> number_facts("The listing would have raised $34.5 billion.")
    {'money:usd:3.45e+10'}
    """
    out: set[str] = set()
    # Dates are facts of their own; their day numbers must not count as bare numbers.
    masked = MONTH_DAY.sub(" ", DAY_MONTH.sub(" ", text))
    for m in NUMBER.finditer(masked):
        raw = m.group("num")
        if raw.lower() in NUMBER_WORDS and not re.search(r"\b" + raw + r"\b", masked, re.I):
            continue
        value = _num_value(raw)
        if value is None:
            continue
        scale = m.group("scale")
        if scale:
            value *= SCALES[scale.lower()]
        cur = m.group("cur") or m.group("cur2")
        if m.group("pct"):
            out.add(f"pct:{_fmt(value)}")
        elif cur:
            out.add(f"money:{CURRENCY.get(cur.lower(), cur.lower())}:{_fmt(value)}")
        else:
            out.add(f"num:{_fmt(value)}")
    return out


def _number_word_ok(fact: str, span_facts: frozenset[str]) -> bool:
    """'one billion users' matches '1 billion users' and 'more than 1 billion' alike."""
    if fact in span_facts:
        return True
    kind, _, value = fact.rpartition(":")
    # A bare number in the sentence is found if the span has it with a unit.
    return any(f.endswith(":" + value) for f in span_facts) if kind == "num" else False


@lru_cache(maxsize=4096)
def entities(text: str) -> frozenset[str]:
    """Lower-cased capitalised name tokens (not sentence openers, not common words)."""
    out: set[str] = set()
    tokens = re.findall(r"[\w’'&.-]+", text)
    for i, tok in enumerate(tokens):
        word = re.sub(r"['’]s$", "", tok).strip(".-")
        if not word or not word[0].isupper():
            continue
        lw = word.lower()
        if lw in COMMON_CAPS or lw in GENERIC_ENTITY_WORDS or lw in MONTHS or lw in WEEKDAYS:
            continue
        if i == 0 and lw in COMMON_CAPS:
            continue
        out.add(lw)
    return frozenset(out)


@lru_cache(maxsize=1 << 14)
def all_facts(text: str) -> frozenset[str]:
    """Numbers, amounts and dates of a text (cached: answers check the same spans again)."""
    return frozenset(number_facts(text) | date_facts(text))


def missing_facts(sentence: str, evidence: str) -> list[str]:
    """Facts of the sentence that the evidence does not state (empty list: all found).

    >>> missing_facts("Ant raised $37 billion.", "Ant raised $34.5 billion.")
    ['money:usd:3.7e+10']
    """
    ev_facts = all_facts(evidence)
    missing = [f for f in sorted(all_facts(sentence)) if not _number_word_ok(f, ev_facts)]
    ev_words = {w.lower().strip(".-") for w in re.findall(r"[\w&.-]+", evidence)}
    ev_words |= {re.sub(r"['’]s$", "", w) for w in ev_words}
    ev_words.discard("")
    for ent in sorted(entities(sentence)):
        found = ent in ev_words or ent.rstrip("s") in ev_words
        if not found and (ent not in EQUIVALENT or EQUIVALENT[ent] not in ev_words):
            missing.append(f"entity:{ent}")
    return missing


def as_written(text: str, fact: str) -> tuple[str, int, int]:
    """The figure as the text writes it ("$ 37 billion" for money:usd:3.7e+10), with its
    offsets in the text.

    >>> as_written("Ant would have raised $ 37 billion.", "money:usd:3.7e+10")
    ('$ 37 billion', 22, 34)
    """
    for m in NUMBER.finditer(text):
        if fact in number_facts(m.group(0)):
            raw = m.group(0)
            lead = len(raw) - len(raw.lstrip())
            return raw.strip(), m.start() + lead, m.start() + lead + len(raw.strip())
    return fact.rsplit(":", 1)[-1], 0, len(text)
