"""Small wording rules shared by answers and briefings (capitals, leading connectives)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


CONNECTIVE = re.compile(
    r"^(?:However|Indeed|Still|Therefore|Moreover|As a result|In addition|Nevertheless|"
    r"Meanwhile|Thus|Also|Yet|But|And|So|Furthermore),\s+"
)


def trim(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Drop a leading connective ("However, ..."); offsets stay exact."""
    m = CONNECTIVE.match(text)
    if not m or m.end() >= len(text):
        return text, start, end
    rest = text[m.end() :]
    return rest, start + m.end(), end


def capitalise(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]
