"""Words that say the same thing: irregular forms (held ~ hold) and WordNet synonyms and
related forms (the monetary authority ~ money, supervisors ~ supervise), over index terms.

The table is ``data/lexicon.tsv.gz``, built from WordNet 3.0 by ``bench/wordnet_lexicon.py``
(license in ``data/WORDNET-LICENSE``); it is read once, on first use.

>>> sorted(lexicon().same("held")), "supervis" in lexicon().related("supervisor")
(['hold'], True)
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("data") / "lexicon.tsv.gz"
EMPTY: frozenset[str] = frozenset()


class Lexicon:
    """term -> its other forms and its related terms (both as index terms)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._raw: dict[str, str] = {}
        for line in lines:
            term, _, rest = line.partition("\t")
            self._raw[term] = rest
        self._lock = threading.Lock()
        self._parsed: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def _entry(self, term: str) -> tuple[frozenset[str], frozenset[str]]:
        got = self._parsed.get(term)
        if got is not None:
            return got
        same, _, rel = self._raw.get(term, "\t").rstrip("\n").partition("\t")
        got = (frozenset(same.split()), frozenset(rel.split()))
        with self._lock:
            self._parsed[term] = got
        return got

    def same(self, term: str) -> frozenset[str]:
        """Other forms of the same word ("held" -> "hold")."""
        return self._entry(term)[0] if term in self._raw else EMPTY

    def related(self, term: str) -> frozenset[str]:
        """Synonyms and derivationally related terms of the word's common senses."""
        return self._entry(term)[1] if term in self._raw else EMPTY


@lru_cache(maxsize=1)
def lexicon(path: Path = PATH) -> Lexicon:
    """The packaged lexicon, loaded once."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Lexicon(fh)


RELATED = 0.6  # a related word counts this much of an exact one (chosen on the train half)


def match(term: str, terms: frozenset[str] | set[str], lex: Lexicon) -> float:
    """How well a set of terms holds ``term``: 1 for the term or another form of it,
    ``RELATED`` for a synonym or related form, else 0.

    >>> lex = lexicon()
    >>> match("held", {"hold"}, lex), match("supervisor", {"supervis"}, lex)
    (1.0, 0.6)
    """
    if term in terms:
        return 1.0
    same, rel = lex.same(term), lex.related(term)
    if same and not same.isdisjoint(terms):
        return 1.0
    return RELATED if rel and not rel.isdisjoint(terms) else 0.0
