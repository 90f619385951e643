"""Sentence spans with exact offsets, and the token estimate.

Spans are computed as ``[start, end)`` first and text is sliced from them afterwards; nothing
is ever located again with ``str.find`` (repeated text would give the wrong offset).
"""

from __future__ import annotations

import re

from rag.types import Span

# Words that end in a period without ending a sentence ("U.S.", "Dec. 31", "Co. Ltd").
_ABBR = """mr mrs ms dr prof sr jr st mt co corp inc ltd plc llc bros dept univ gov sen rep
    gen col lt sgt capt adm no nos vol fig approx est vs etc al ca cf ie eg viz
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    u.s u.k u.n e.u p.m a.m n.y d.c b.a m.a ph.d"""
ABBREVIATIONS = frozenset(_ABBR.split())
TERMINAL = re.compile(r"[.!?…]+[\"'”’)\]»]*")
OPENERS = "\"'“‘([«"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# "China News Service, Beijing, December 31 (Reporter Wang Enbo) The head of ..."
DATELINE = re.compile(
    rf"[ \t]*[A-Z][\w .&'-]{{1,60}},[ \t]*[A-Z][\w .'-]{{1,40}},"
    rf"[ \t]*(?:{MONTHS})[ \t]+\d{{1,2}}"
    r"(?:[ \t]*\([^)\n]{1,80}\))?[ \t]+(?=[A-Z\"“])"
)
TOKEN = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """Word-piece estimate: words and punctuation, long words counting extra."""
    n = 0
    for m in TOKEN.finditer(text):
        n += 1 + (len(m.group()) - 1) // 8
    return n


def _is_boundary(text: str, punct_start: int, punct_end: int) -> bool:
    """Whether the terminal punctuation at [punct_start, punct_end) ends a sentence."""
    j = punct_end
    n = len(text)
    if j < n and not text[j].isspace():
        return False  # "29.4", "U.S.-China", "e.g.,"
    while j < n and text[j].isspace():
        j += 1
    if j >= n:
        return True
    nxt = text[j]
    if "\n" in text[punct_end:j]:
        return True
    if not (nxt.isupper() or nxt.isdigit() or nxt in OPENERS):
        return False
    return not (text[punct_start] == "." and _abbreviation_before(text, punct_start))


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the word ending at the period ``dot`` is an abbreviation or an initial."""
    k = dot
    while k > 0 and not text[k - 1].isspace() and text[k - 1] not in OPENERS:
        k -= 1
    word = text[k:dot].lower()
    if word in ABBREVIATIONS or word.rstrip(".") in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Jack M. Ma"
    return re.fullmatch(r"(?:[a-z]\.)+[a-z]", word) is not None  # "U.S", "e.g"


def _line_breaks(text: str, start: int, end: int) -> list[int]:
    """Offsets where a line break ends a sentence: blank lines, or unwrapped lines."""
    cuts: list[int] = []
    for m in re.finditer(r"\n[ \t]*", text[start:end]):
        pos = start + m.start()
        b = pos
        while b > start and text[b - 1] in " \t":
            b -= 1
        if b == start:
            continue
        last = text[b - 1]
        after_pos = start + m.end()
        if after_pos >= end:
            continue
        blank = text[after_pos] == "\n"
        wrapped = last.islower() or last in ",;:-–("
        if blank or not wrapped or text[after_pos] in "#*-•>":
            cuts.append(pos)
    return cuts


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]``, whitespace trimmed, in order, non-overlapping.

    >>> text = "Ant raised money. Regulators stepped in."
    >>> [text[s.start : s.end] for s in split_sentences(text)]
    ['Ant raised money.', 'Regulators stepped in.']
    """
    end = len(text) if end is None else end
    cuts = set(_line_breaks(text, start, end))
    dl = DATELINE.match(text, start, end)
    if dl:
        cuts.add(dl.end())
    for m in TERMINAL.finditer(text, start, end):
        if _is_boundary(text[:end], m.start(), m.end()):
            cuts.add(m.end())
    spans: list[Span] = []
    prev = start
    for cut in sorted(cuts):
        if cut <= prev:
            continue
        s = _trim(text, prev, cut)
        if s:
            spans.append(s)
        prev = cut
    s = _trim(text, prev, end)
    if s:
        spans.append(s)
    return spans
