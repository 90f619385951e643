"""Words that say the same thing: irregular forms (held ~ hold), derivationally related
forms (monetary ~ money, supervisors ~ supervise) and synonyms (lend ~ loan), from WordNet,
over index terms.

The table is ``data/lexicon.tsv.gz``, built from WordNet 3.0 by ``bench/wordnet_lexicon.py``
(license in ``data/WORDNET-LICENSE``); it is read once, on first use.

>>> sorted(lexicon().same("held")), sorted(lexicon().derived("monetari"))
(['hold'], ['money'])
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("data") / "lexicon.tsv.gz"
EMPTY: frozenset[str] = frozenset()
NOTHING = (EMPTY, EMPTY, EMPTY)


class Lexicon:
    """term -> its other forms, derived terms and synonyms (all as index terms)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._raw: dict[str, str] = {}
        for line in lines:
            term, _, rest = line.partition("\t")
            self._raw[term] = rest
        self._lock = threading.Lock()
        self._parsed: dict[str, tuple[frozenset[str], ...]] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def _entry(self, term: str) -> tuple[frozenset[str], ...]:
        got = self._parsed.get(term)
        if got is not None:
            return got
        cols = self._raw.get(term, "").rstrip("\n").split("\t")
        got = tuple(frozenset(c.split()) for c in [*cols, "", "", ""][:3])
        with self._lock:
            self._parsed[term] = got
        return got

    def tiers(self, term: str) -> tuple[frozenset[str], ...]:
        """(other forms, derived terms, synonyms) of a term, in one look-up."""
        return self._entry(term) if term in self._raw else NOTHING

    def same(self, term: str) -> frozenset[str]:
        """Other forms of the same word ("held" -> "hold")."""
        return self.tiers(term)[0]

    def derived(self, term: str) -> frozenset[str]:
        """Derivationally related forms and pertainyms ("monetary" -> "money")."""
        return self.tiers(term)[1]

    def synonyms(self, term: str) -> frozenset[str]:
        """The other words of the word's common senses ("loan" -> "lend")."""
        return self.tiers(term)[2]


@lru_cache(maxsize=1)
def lexicon(path: Path = PATH) -> Lexicon:
    """The packaged lexicon, loaded once."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Lexicon(fh)


DERIVED = 0.8  # a related form counts this much of the word itself (chosen on the train half)
SYNONYM = 0.6  # and a synonym this much


def match(term: str, terms: frozenset[str] | set[str], lex: Lexicon) -> float:
    """How well a set of terms holds ``term``: 1 for the term or another form of it,
    ``DERIVED`` for a related form, ``SYNONYM`` for a synonym, else 0.

    >>> lex = lexicon()
    >>> match("held", {"hold"}, lex), match("monetari", {"money"}, lex)
    (1.0, 0.8)
    >>> match("loan", {"lend"}, lex), match("loan", {"giraff"}, lex)
    (0.6, 0.0)
    """
    if term in terms:
        return 1.0
    same, derived, syn = lex.tiers(term)
    if same and not same.isdisjoint(terms):
        return 1.0
    if derived and not derived.isdisjoint(terms):
        return DERIVED
    return SYNONYM if syn and not syn.isdisjoint(terms) else 0.0
