"""Small wording rules shared by answers and briefings (capitals, leading connectives)."""

from __future__ import annotations

import functools
import re

from rag.text.parser import parse

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


# Words that open a sentence without being names: only these lose their capital mid-sentence.
OPENERS = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "they", "their", "them",
        "he", "his", "she", "her", "we", "our", "there", "in", "on", "at", "by", "for", "from",
        "with", "without", "after", "before", "following", "according", "while", "during",
        "despite", "under", "over", "until", "since", "as", "to", "of", "if", "although", "though",
        "when", "where", "who", "whom", "whose", "what", "which", "why", "how", "whether", "and",
        "but", "or", "so", "also", "however", "meanwhile", "recently", "earlier", "later", "last",
        "next", "some", "many", "most", "all", "both", "each", "one", "another", "other", "such",
        "no", "not",
    }
)  # fmt: skip


def lower_first(s: str) -> str:
    """The first letter lower-cased (a phrase going into the middle of a sentence), unless
    the first word is a name ("Alibaba was fined" stays as it is).

    >>> lower_first("Who set it"), lower_first("Alibaba was also slapped with a fine")
    ('who set it', 'Alibaba was also slapped with a fine')
    """
    first = s.split(" ", 1)[0].strip(",;:").lower()
    return s[:1].lower() + s[1:] if first in OPENERS else s


@functools.lru_cache(maxsize=4096)  # the corpus's sentences come back request after request
def directive(sentence: str) -> bool:
    """The sentence gives an order and has no subject ("Equally protect the property rights
    ..."): it cannot follow "they say only that" (parsed: a bare verb heads it).

    >>> directive("Strictly implement supervision."), directive("We must maintain stability.")
    (True, False)
    """
    root = next((t for t in parse(sentence) if t.dep_ == "ROOT"), None)
    subjects = {"nsubj", "nsubjpass", "expl", "csubj"}
    return (
        root is not None
        and root.tag_ == "VB"
        and not any(c.dep_ in subjects for c in root.children)
    )
