"""What "does the corpus ever use this name?" costs a question as the corpus grows: a search
of the whole lower-cased text (how unknown_names worked until 3 December) against the
corpus's sorted words (rag.answer.corpus_words), in one run.

    .venv/bin/python bench/corpus_words.py [--mb 5 50] [--runs 5]

The corpus is corpus/ repeated to the size asked (about 100k passages at 50 MB). Questions
name a thing the corpus never uses ("Huabei"), one it does ("Ant Group"), an acronym it
spells out ("CBIRC") and one it does not ("CSRC"): the first and the last two are where the
old search read the whole text. Prints medians and p95 of `unknown_names` per question
kind, the ratio against the old search, and the one-off cost of building the words.
Not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer.corpus_words import GLUE, CorpusWords
from rag.answer.reading import ACRONYM, unknown_names
from rag.text.focus import QuestionFocus, question_focus

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = {
    "unknown name": "What did Huabei's users borrow?",
    "known name": "Why was the Ant Group IPO suspended?",
    "acronym spelled out": "What did the CBIRC say about fintech?",
    "acronym not there": "What did the CSRC say about Ant?",
}


def old_unknown_names(f: QuestionFocus, text: str) -> list[str]:
    """unknown_names as it was: regular-expression searches of the whole text."""

    def mentioned(word: str) -> bool:
        if re.search(rf"(?<!\w){re.escape(word.lower())}", text):
            return True
        if not ACRONYM.fullmatch(word):
            return False
        spelled = GLUE.join(rf"{c}[\w'’-]*" for c in word.lower())
        return re.search(rf"(?<!\w){spelled}(?!\w)", text) is not None

    out = []
    for n, lab in f.names:
        if lab in {"DATE", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "TIME", "QUANTITY"}:
            continue
        words = [w for w in re.findall(r"[\w.&-]+", n) if w.lower() not in {"the", "of"}]
        if words and not all(mentioned(w) for w in words):
            out.append(n)
    return out


def _times(call: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, nargs="+", default=[5.0, 50.0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    base = "\n".join(p.read_text() for p in sorted((ROOT / "corpus").glob("*.txt"))).lower()
    focus = {k: question_focus(q) for k, q in QUESTIONS.items()}
    print("| corpus | question | old p50 ms | old p95 | words p50 ms | words p95 | ratio |")
    print("|---|---|---|---|---|---|---|")
    for mb in args.mb:
        text = (base + "\n") * max(1, int(mb * 1e6 // (len(base) + 1)))
        t0 = time.perf_counter()
        CorpusWords(text).wait()  # sorted in the background past 2 MB: until then, searched
        build = (time.perf_counter() - t0) * 1000
        for kind, f in focus.items():
            assert old_unknown_names(f, text) == unknown_names(f, CorpusWords(base)), kind
            old = _times(partial(old_unknown_names, f, text), args.runs)
            fresh = CorpusWords(text)  # the first question of an index version, then the rest
            fresh.wait()
            new = _times(partial(unknown_names, f, fresh), args.runs)
            ratio = statistics.median(old) / max(statistics.median(new), 1e-6)
            print(f"| {len(text) / 1e6:.0f} MB | {kind} | {statistics.median(old):.1f} | "
                  f"{_p95(old):.1f} | {statistics.median(new):.3f} | {_p95(new):.1f} | "
                  f"{ratio:.0f}x |")  # fmt: skip
        what = "sorting the words (once per version, background)"
        print(f"| {len(text) / 1e6:.0f} MB | {what} | | | {build:.0f} | | |")


if __name__ == "__main__":
    main()
