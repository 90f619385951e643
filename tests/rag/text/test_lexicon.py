"""The packaged WordNet lexicon: loaded from its real file, matched on index terms."""

from __future__ import annotations

import gzip
from pathlib import Path

from rag.text.lexicon import DERIVED, PATH, SYNONYM, Lexicon, lexicon, match
from rag.text.tokens import tokenize


def _term(word: str) -> str:
    (t,) = tokenize(word)
    return t


def test_the_packaged_file_is_small_licensed_and_loaded_once() -> None:
    assert PATH.stat().st_size < 3_000_000
    assert "WordNet 3.0 Copyright 2006" in (PATH.parent / "WORDNET-LICENSE").read_text()
    assert lexicon() is lexicon()
    assert len(lexicon()) > 30_000


def test_irregular_forms_are_the_same_word_both_ways() -> None:
    lex = lexicon()
    assert _term("hold") in lex.same(_term("held"))
    assert _term("held") in lex.same(_term("hold"))
    assert _term("sell") in lex.same(_term("sold"))
    assert match(_term("kept"), {_term("keeps")}, lex) == 1.0


def test_related_forms_and_synonyms_count_in_part() -> None:
    lex = lexicon()
    # supervisor ~ supervise (a derivation), monetary ~ money (a pertainym)
    assert match(_term("supervisors"), {_term("supervise")}, lex) == DERIVED
    assert match(_term("monetary"), {_term("money")}, lex) == DERIVED
    assert match(_term("lender"), {_term("lend")}, lex) == DERIVED
    # oversee ~ supervise, loan ~ lend (synonyms of a common sense)
    assert match(_term("oversee"), {_term("supervised")}, lex) == SYNONYM
    assert match(_term("loan"), {_term("lending")}, lex) == SYNONYM
    assert 0 < SYNONYM < DERIVED < 1


def test_unrelated_words_and_unknown_terms_do_not_match() -> None:
    lex = lexicon()
    assert match(_term("fine"), {_term("giraffe"), _term("ocean")}, lex) == 0.0
    assert lex.same("zzqx") == lex.derived("zzqx") == lex.synonyms("zzqx") == frozenset()
    # only a word's common senses count: "get" is not related to everything it can mean
    assert _term("beget") not in lex.synonyms(_term("get"))


def test_a_table_reads_same_forms_and_related_terms_per_line(tmp_path: Path) -> None:
    path = tmp_path / "lex.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("held\thold\t\t\nmonetari\t\tmoney\tpecuniari\n")
    lex = lexicon.__wrapped__(path)
    assert isinstance(lex, Lexicon)
    assert lex.same("held") == {"hold"} and lex.synonyms("held") == frozenset()
    assert lex.derived("monetari") == {"money"} and lex.synonyms("monetari") == {"pecuniari"}
    assert match("monetari", {"money"}, lex) == DERIVED
    assert match("monetari", {"pecuniari"}, lex) == SYNONYM
    assert match("monetari", {"monetari"}, lex) == 1.0
