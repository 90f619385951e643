"""How fine a date the question asks for, and whether a date value is that fine: "On what
calendar date ...?" is not answered by "Thursday", "In which month ...?" not by "last year"."""

from __future__ import annotations

import re

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
GRAINS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "day",
        re.compile(
            r"\b(?:exact|precise|calendar|specific) date\b|\b(?:what|which) date in\b"
            r"|\bday of the month\b",
            re.I,
        ),
    ),
    ("month", re.compile(r"\b(?:what|which) month\b", re.I)),
    ("year", re.compile(r"\b(?:what|which) year\b", re.I)),
    ("span", re.compile(r"\bhow long\b|\b(?:what|which) (?:period|span|length of time)\b", re.I)),
)
# A stretch of time, not a point in it: "days" (after), "recent weeks", "the past two months"
# answer "how long" or "over what period"; a bare "when" only when it places the event in the
# recent past ("in recent weeks"), never a measure ("days after"). "last year" is a point.
RECENT = re.compile(r"^(?:the\s+)?(?:past|recent|last)\s+", re.I)
DURATION = re.compile(
    r"^(?:(?:the|these|those|past|recent|last|next|coming|few|several|many|some|\d+|a|one|two|"
    r"three|four|five|six|seven|eight|nine|ten|twelve)\s+)*(?:days|weeks|months|years|decades)$",
    re.I,
)
FITS = {
    "day": re.compile(
        rf"\b{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}"
        r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
        re.I,
    ),
    "month": re.compile(rf"\b{MONTH}(?!\w)", re.I),
    "year": re.compile(r"\b(?:1[89]|20)\d{2}\b|\b(?:last|this|next|that) year\b", re.I),
}


def date_grain(question: str) -> str | None:
    """ "day", "month" or "year" when the question asks for a date that fine, "span" when it
    asks for a stretch of time, else None.

    >>> date_grain("On what calendar date did the regulator speak?"), date_grain("When?")
    ('day', None)
    """
    return next((g for g, rule in GRAINS if rule.search(question)), None)


def fits_grain(grain: str | None, value: str) -> bool:
    """The date value is as fine as asked ("December 31" for a day, not "Thursday"); a
    stretch of time answers a question about one, and a bare "when" only if it places the
    event ("in recent weeks"), not if it measures ("days after").

    >>> fits_grain("day", "Thursday"), fits_grain("day", "December 31"), fits_grain(None, "x")
    (False, True, True)
    >>> fits_grain(None, "recent weeks"), fits_grain(None, "days")
    (True, False)
    >>> fits_grain("day", "recent weeks"), fits_grain("span", "days")
    (False, True)
    """
    if grain == "span":
        return True
    if DURATION.match(value.strip()):  # "recent weeks" dates loosely; "days" not at all
        return grain is None and RECENT.match(value.strip()) is not None
    return grain is None or FITS[grain].search(value) is not None
