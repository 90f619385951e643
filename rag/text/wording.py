"""Small wording rules shared by answers and briefings (capitals, leading connectives)."""

from __future__ import annotations

import re

CONNECTIVE = re.compile(
    r"^(?:However|Indeed|Still|Therefore|Moreover|As a result|In addition|Nevertheless|"
    r"Meanwhile|Thus|Also|Yet|But|And|So|Furthermore),\s+"
)


def trim(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Drop a leading connective ("However, ..."); offsets stay exact.

    >>> trim("However, Ant was fined.", 10, 33)
    ('Ant was fined.', 19, 33)
    """
    m = CONNECTIVE.match(text)
    if not m or m.end() >= len(text):
        return text, start, end
    rest = text[m.end() :]
    return rest, start + m.end(), end


def capitalise(s: str) -> str:
    """The first letter upper-cased, the rest untouched.

    >>> capitalise("ant Group's IPO")
    "Ant Group's IPO"
    """
    return s[:1].upper() + s[1:] if s else s


def lower_first(s: str) -> str:
    """The first letter lower-cased (a phrase going into the middle of a sentence).

    >>> lower_first("Who set it")
    'who set it'
    """
    return s[:1].lower() + s[1:]
