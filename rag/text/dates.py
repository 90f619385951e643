"""Dates in news sentences, resolved against the article's published date.

"on Saturday, December 26th" in an article of 2020-12-28 is 26 December 2020; "in early
November" is early November 2020, approximate; in an undated article "on Sunday" stays
unresolved and "December 31" keeps an unknown year. Nothing is guessed that the text and the
article date do not give.

>>> m = find_dates("In early November, the exchange suspended the IPO.")[0]
>>> resolve(m, dt.date(2020, 12, 22)).display
'early November 2020 (approx.)'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

# fmt: off
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
# fmt: on
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ABBR = {m[:3]: i for i, m in enumerate(MONTH_NAMES, start=1)} | {"Sept": 9}
_MONTH_INDEX = {m: i for i, m in enumerate(MONTH_NAMES, start=1)} | _ABBR

_MON = "(?:" + "|".join(MONTH_NAMES) + "|" + "|".join(rf"{a}\." for a in _ABBR) + ")"
_WD = "(?:" + "|".join(WEEKDAY_NAMES) + ")"
_YEAR = r"(?:19|20)\d\d"
_ORD = r"(?:st|nd|rd|th)?"
# fmt: off
_PARTS = {"early": "early", "beginning of": "early", "start of": "early", "mid": "mid",
          "middle of": "mid", "late": "late", "end of": "late"}
# fmt: on
_PART_RE = "(?:the\\s+)?(?:" + "|".join(sorted(_PARTS, key=len, reverse=True)) + ")"

Kind = Literal["day", "part", "month", "weekday", "relative"]

# Ordered: the first pattern that matches a stretch of text wins it.
PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    (
        "day",
        re.compile(
            rf"\b(?:(?P<wd>{_WD}),?\s+)?(?P<mon>{_MON})\s+(?P<day>\d{{1,2}}){_ORD}\b"
            rf"(?:,?\s+(?P<yr>{_YEAR})\b)?"
        ),
    ),
    (
        "day",
        re.compile(
            rf"\b(?:(?P<wd>{_WD}),?\s+)?(?:the\s+)?(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?"
            rf"(?P<mon>{_MON})(?:,?\s+(?P<yr>{_YEAR})\b)?"
        ),
    ),
    (
        "part",
        re.compile(rf"\b(?P<part>{_PART_RE})[\s-]+(?P<mon>{_MON})(?:\s+(?P<yr>{_YEAR})\b)?", re.I),
    ),
    (
        "month",
        re.compile(
            rf"\b(?:(?P<q>last|this|next|in|since|by|until|from|during)\s+)?(?P<mon>{_MON})"
            rf"(?:\s+(?P<yr>{_YEAR}))?\b"
        ),
    ),
    ("weekday", re.compile(rf"\b(?:(?P<q>on|last|this|next)\s+)?(?P<wd>{_WD})\b")),
    (
        "relative",
        re.compile(
            r"\b(?P<rel>(?:earlier |later )?this week|last week|next week|yesterday|today|"
            r"this month|last month)\b",
            re.I,
        ),
    ),
]
QUALIFIER = re.compile(r"\b(since|from|until|by|before|after)\s+(?:the\s+)?$", re.I)
PART_DAY = {"early": 5, "mid": 15, "late": 25, None: 15}

Precision = Literal["day", "part-of-month", "month", "week", "weekday"]


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression inside a text; start/end are offsets into that text."""

    start: int
    end: int
    text: str
    kind: Kind
    month: int | None = None
    day: int | None = None
    year: int | None = None
    weekday: int | None = None  # 0 = Monday
    part: str | None = None  # early / mid / late
    relation: str | None = None  # last / this / next / relative phrase
    qualifier: str | None = None  # since / until / ... written just before


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    iso: str | None  # "2020-12-26", "2020-11", "2020-W52", "--12-31", "--11", or None
    display: str
    precision: Precision
    approximate: bool  # the text gives a range, not a day ("early November", "this week")
    resolved: bool  # a calendar position with a known year
    basis: str  # "text", "article date", or "article undated"
    sort_key: tuple[int, int, int] | None  # (year, month, day); None when not placeable
    as_written: str


def _month(name: str) -> int:
    return _MONTH_INDEX[name.rstrip(".").capitalize()]


def _mention(kind: Kind, m: re.Match[str], text: str) -> DateMention | None:
    g = m.groupdict()
    month = _month(g["mon"]) if g.get("mon") else None
    day = int(g["day"]) if g.get("day") else None
    year = int(g["yr"]) if g.get("yr") else None
    weekday = WEEKDAY_NAMES.index(g["wd"]) if g.get("wd") else None
    if kind == "day" and (day is None or not 1 <= day <= 31):
        return None
    bare = kind == "month" and not g.get("q") and year is None
    if bare and (g["mon"] == "May" or g["mon"].endswith(".")):
        return None  # "May" alone is too often the verb
    part = _PARTS[re.sub(r"^the\s+", "", g["part"].lower())] if g.get("part") else None
    word = (g.get("q") or g.get("rel") or "").lower()
    relation = word if word in ("last", "this", "next") or g.get("rel") else None
    qualifier: str | None = word if word in ("since", "by", "until", "from") else None
    before = QUALIFIER.search(text[: m.start()])
    if qualifier is None and before:
        qualifier = before.group(1).lower()
    return DateMention(
        start=m.start(),
        end=m.end(),
        text=m.group(0),
        kind=kind,
        month=month,
        day=day,
        year=year,
        weekday=weekday,
        part=part,
        relation=relation,
        qualifier=qualifier,
    )


def find_dates(text: str) -> list[DateMention]:
    """Date expressions in the text, left to right, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mention = _mention(kind, m, text)
            if mention is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(mention)
    return sorted(found, key=lambda d: d.start)


def _nearest_year(month: int, day: int, published: dt.date) -> int:
    """The year that puts month/day closest to the article date (past wins a tie)."""
    options = []
    for y in (published.year - 1, published.year, published.year + 1):
        try:
            options.append((abs((dt.date(y, month, day) - published).days), -y, y))
        except ValueError:
            continue
    return min(options)[2] if options else published.year


def _month_year(m: DateMention, published: dt.date) -> int:
    assert m.month is not None
    if m.relation == "last":
        return published.year if m.month < published.month else published.year - 1
    if m.relation == "next":
        return published.year if m.month > published.month else published.year + 1
    if m.relation == "this":
        return published.year
    return _nearest_year(m.month, PART_DAY[m.part], published)


def _fmt_day(d: dt.date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def _with_qualifier(m: DateMention, display: str) -> str:
    return f"{m.qualifier} {display}" if m.qualifier else display


def resolve(m: DateMention, published: dt.date | None) -> ResolvedDate:
    """Place a mention on the calendar as far as the text and the article date allow."""
    if m.kind == "day":
        return _resolve_day(m, published)
    if m.kind in ("part", "month"):
        return _resolve_month(m, published)
    return _resolve_relative(m, published)


def _resolve_day(m: DateMention, published: dt.date | None) -> ResolvedDate:
    assert m.month is not None and m.day is not None
    year, basis = m.year, "text"
    if year is None and published is not None:
        year, basis = _nearest_year(m.month, m.day, published), "article date"
    if year is None:
        name = f"{m.day} {MONTH_NAMES[m.month - 1]}"
        return ResolvedDate(
            f"--{m.month:02d}-{m.day:02d}",
            _with_qualifier(m, f"{name} (year not stated)"),
            "day",
            False,
            False,
            "article undated",
            None,
            m.text,
        )
    try:
        day = dt.date(year, m.month, m.day)
    except ValueError:
        return ResolvedDate(None, m.text, "day", True, False, basis, None, m.text)
    return ResolvedDate(
        day.isoformat(),
        _with_qualifier(m, _fmt_day(day)),
        "day",
        False,
        True,
        basis,
        (day.year, day.month, day.day),
        m.text,
    )


def _resolve_month(m: DateMention, published: dt.date | None) -> ResolvedDate:
    assert m.month is not None
    name = MONTH_NAMES[m.month - 1]
    label = f"{m.part} {name}" if m.part else name
    precision: Precision = "part-of-month" if m.part else "month"
    year, basis = m.year, "text"
    if year is None and published is not None:
        year, basis = _month_year(m, published), "article date"
    if year is None:
        shown = f"{label} (year not stated)"
        if m.relation:
            shown = f"{m.relation} {name} (year not stated)"
        return ResolvedDate(
            f"--{m.month:02d}",
            _with_qualifier(m, shown),
            precision,
            True,
            False,
            "article undated",
            None,
            m.text,
        )
    return ResolvedDate(
        f"{year:04d}-{m.month:02d}",
        _with_qualifier(m, f"{label} {year} (approx.)"),
        precision,
        True,
        True,
        basis,
        (year, m.month, PART_DAY[m.part]),
        m.text,
    )


def _resolve_relative(m: DateMention, published: dt.date | None) -> ResolvedDate:
    precision: Precision = "weekday" if m.kind == "weekday" else "week"
    if published is None:
        what = m.text if m.kind == "relative" else WEEKDAY_NAMES[m.weekday or 0]
        return ResolvedDate(
            None,
            f"{what} (unresolved: article undated)",
            precision,
            True,
            False,
            "article undated",
            None,
            m.text,
        )
    if m.kind == "weekday":
        assert m.weekday is not None
        back = (published.weekday() - m.weekday) % 7
        if m.relation == "last" and back == 0:
            back = 7
        if m.relation == "next":
            back = -((m.weekday - published.weekday()) % 7 or 7)
        elif m.relation == "this":
            back = published.weekday() - m.weekday
        day = published - dt.timedelta(days=back)
        shown = f"{_fmt_day(day)} ({WEEKDAY_NAMES[m.weekday]})"
        return ResolvedDate(
            day.isoformat(),
            _with_qualifier(m, shown),
            "day",
            False,
            True,
            "article date",
            (day.year, day.month, day.day),
            m.text,
        )
    return _resolve_phrase(m, published)


def _resolve_phrase(m: DateMention, published: dt.date) -> ResolvedDate:
    rel = (m.relation or "").replace("earlier ", "").replace("later ", "")
    if rel in ("yesterday", "today"):
        day = published - dt.timedelta(days=1 if rel == "yesterday" else 0)
        return ResolvedDate(
            day.isoformat(),
            _fmt_day(day),
            "day",
            False,
            True,
            "article date",
            (day.year, day.month, day.day),
            m.text,
        )
    if rel.endswith("month"):
        first = published.replace(day=1)
        if rel.startswith("last"):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        shown = f"{MONTH_NAMES[first.month - 1]} {first.year} (approx.)"
        return ResolvedDate(
            f"{first.year:04d}-{first.month:02d}",
            shown,
            "month",
            True,
            True,
            "article date",
            (first.year, first.month, 15),
            m.text,
        )
    shift = {"last week": -7, "next week": 7}.get(rel, 0)
    monday = published - dt.timedelta(days=published.weekday() - shift)
    iso_year, week, _ = monday.isocalendar()
    return ResolvedDate(
        f"{iso_year}-W{week:02d}",
        f"week of {_fmt_day(monday)} (approx.)",
        "week",
        True,
        True,
        "article date",
        (monday.year, monday.month, monday.day),
        m.text,
    )


def compatible(a: ResolvedDate, b: ResolvedDate, ma: DateMention, mb: DateMention) -> bool:
    """Whether two mentions can name the same time (used to merge reports of one event)."""
    if ma.month is None or mb.month is None or ma.month != mb.month:
        return False
    if ma.day is not None and mb.day is not None and ma.day != mb.day:
        return False
    if ma.part and mb.part and ma.part != mb.part:
        return False
    ya = a.sort_key[0] if a.sort_key else None
    yb = b.sort_key[0] if b.sort_key else None
    return ya is None or yb is None or ya == yb


def rank(d: ResolvedDate) -> tuple[int, int]:
    """How well a date is pinned down: resolved before unresolved, day before month."""
    order = {"day": 0, "weekday": 1, "part-of-month": 2, "week": 2, "month": 3}
    return (0 if d.resolved else 1, order[d.precision])
