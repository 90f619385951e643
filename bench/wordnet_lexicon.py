"""Build rag/text/data/lexicon.tsv.gz from Debian's wordnet-base (WordNet 3.0).

    python -m bench.wordnet_lexicon [--wordnet /usr/share/wordnet] [--senses 3]

One line per index term (a Snowball stem, as rag.text.tokens makes them):
``term<TAB>same forms<TAB>derived terms<TAB>synonyms``. *Same forms* are the irregular
inflections of the *.exc files, both ways (held ~ hold, sold ~ sell); *derived terms* the
derivationally related forms and pertainyms of the word (the "+" and "\\" pointers:
supervisor ~ supervise, monetary ~ money); *synonyms* the other words of its senses. Only the
first ``--senses`` senses of each word count: WordNet lists them by frequency, and the rare
senses of "get" or "run" would relate them to nearly everything. The output is sorted, so a
rebuild from the same WordNet gives the same file.
"""

from __future__ import annotations

import argparse
import gzip
import re
from collections import defaultdict
from pathlib import Path

from rag.text.tokens import tokenize

POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}  # file -> synset type
MARKER = re.compile(r"\(\w+\)$")  # "galore(ip)": an adjective's position
WORD = re.compile(r"^[a-z]+$")
OUT = Path(__file__).resolve().parents[1] / "rag" / "text" / "data" / "lexicon.tsv.gz"
Synset = tuple[list[str], list[tuple[str, str, int, int]]]  # words, pointers


def _stem(word: str) -> str | None:
    """The index term of a single plain word (None for stopwords and phrases)."""
    if not WORD.match(word):
        return None
    terms = tokenize(word)
    return terms[0] if len(terms) == 1 else None


def _synsets(path: Path) -> dict[str, Synset]:
    """offset -> (words, pointers (symbol, target offset, source word no, target word no))."""
    out: dict[str, Synset] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue  # the license header
        f = line.split(" ")
        n = int(f[3], 16)
        words = [MARKER.sub("", f[4 + 2 * i].lower()) for i in range(n)]
        i = 4 + 2 * n
        ptrs = []
        for _ in range(int(f[i])):
            sym, off, pos, st = f[i + 1 : i + 5]
            key = f"{pos.replace('s', 'a')}:{off}"
            ptrs.append((sym, key, int(st[:2], 16), int(st[2:], 16)))
            i += 4
        out[f"{f[2].replace('s', 'a')}:{f[0]}"] = (words, ptrs)
    return out


def _senses(path: Path, tag: str) -> dict[str, list[str]]:
    """word -> its synset keys, most frequent sense first (index.* order)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        f = line.split()
        n_ptr = int(f[3])
        out[f[0].lower()] = [f"{tag}:{o}" for o in f[6 + n_ptr :]]
    return out


def _related(wn: Path, senses: int) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """word -> its derivations and pertainyms, and word -> its synonyms, over its first
    senses."""
    synsets: dict[str, Synset] = {}
    for pos in POS:
        synsets.update(_synsets(wn / f"data.{pos}"))
    derived: dict[str, set[str]] = defaultdict(set)
    synonyms: dict[str, set[str]] = defaultdict(set)
    for pos in POS:
        for word, keys in _senses(wn / f"index.{pos}", POS[pos]).items():
            for key in keys[:senses]:
                words, ptrs = synsets[key]
                synonyms[word].update(words)
                if word not in words:
                    continue
                no = words.index(word) + 1
                for sym, target, src, dst in ptrs:
                    if sym in {"+", "\\"} and src == no and dst:
                        derived[word].add(synsets[target][0][dst - 1])
    return derived, synonyms


def _exceptions(wn: Path) -> list[tuple[str, str]]:
    """(inflected, base) pairs of the irregular forms."""
    pairs = []
    for pos in POS:
        for line in (wn / f"{pos}.exc").read_text(encoding="latin-1").splitlines():
            inflected, *bases = line.split()
            pairs += [(inflected, b) for b in bases]
    return pairs


Table = dict[str, tuple[set[str], set[str], set[str]]]


def build(wn: Path, senses: int) -> Table:
    """term -> (same forms, derived terms, synonyms), in index terms."""
    table: Table = defaultdict(lambda: (set(), set(), set()))
    for inflected, base in _exceptions(wn):
        a, b = _stem(inflected), _stem(base)
        if a and b and a != b:
            table[a][0].add(b)
            table[b][0].add(a)
    for column, relation in enumerate(_related(wn, senses), start=1):
        for word, words in relation.items():
            term = _stem(word)
            if term is None:
                continue
            for other in words:
                t = _stem(other.lower())
                if t and t != term:
                    table[term][column].add(t)
    for same, derived, synonyms in table.values():
        derived -= same
        synonyms -= same | derived
    return table


def write(table: Table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join([t, *(" ".join(sorted(c)) for c in cols)]) + "\n"
             for t, cols in sorted(table.items()) if any(cols)]  # fmt: skip
    with gzip.GzipFile(out, "wb", mtime=0) as fh:  # mtime 0: the same bytes on a rebuild
        fh.write("".join(lines).encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    ap.add_argument("--senses", type=int, default=3, help="senses per word that count")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    table = build(args.wordnet, args.senses)
    write(table, args.out)
    print(f"{len(table)} terms -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
