"""Does the corpus ever use this word? Answered from the corpus's sorted words, not by
searching its whole text: on a 50 MB corpus (about 100k passages) one search for a name the
corpus never uses took 1.4 s a question (bench/corpus_words.py).

>>> words = CorpusWords("ant group's ipo was halted by the china banking regulatory commission.")
>>> words.literal("Ant"), words.literal("ipos"), words.literal("Huabei"), words.literal("group's")
(True, False, False, True)
>>> words.spelled("CBRC"), words.spelled("CSRC")
(True, False)
"""

from __future__ import annotations

import bisect
import re
import threading

WORD = re.compile(r"\w+")
SPELLED_MAX = 4096  # acronyms remembered per index version
GLUE = r"(?:\s+(?:and|of|the|for|&)\b)*\s+"  # "China Banking *and* Insurance ..."


class CorpusWords:
    """A lower-cased corpus text and its words, sorted: whether a word starts one of the
    corpus's words takes a binary search; an acronym's spelled-out form is searched for
    once per acronym and remembered (the object lives as long as its index version).

    Sorting the words of a large corpus takes seconds (3 s at 50 MB): past ``BACKGROUND``
    characters they are sorted in a background thread, and until then a word is searched
    for in the text as before, so no request waits for them."""

    BACKGROUND = 2_000_000

    def __init__(self, text_lower: str) -> None:
        self.text = text_lower
        self.words: list[str] | None = None
        self._spelled: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._sorted = threading.Event()
        if len(text_lower) <= self.BACKGROUND:
            self._sort()
        else:
            threading.Thread(target=self._sort, name="corpus-words", daemon=True).start()

    def _sort(self) -> None:
        self.words = sorted(set(WORD.findall(self.text)))
        self._sorted.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the words are sorted, after waiting up to ``timeout`` seconds for them."""
        return self._sorted.wait(timeout)

    def starts_word(self, part: str) -> bool:
        """Some word of the corpus starts with ``part`` (lower-case, word characters only)."""
        words = self.words
        if words is None:  # still being sorted: search the text
            return re.search(rf"(?<!\w){re.escape(part)}", self.text) is not None
        i = bisect.bisect_left(words, part)
        return i < len(words) and words[i].startswith(part)

    def literal(self, word: str) -> bool:
        """The word occurs in the corpus at the start of a word ("ant" in "Ant's", "regulator"
        in "regulators"), as the search ``(?<!\\w)word`` would find it."""
        w = word.lower()
        parts = WORD.findall(w)
        if parts and not all(self.starts_word(p) for p in parts):
            return False  # each of its words must start a word of the corpus
        if parts and WORD.fullmatch(w):
            return True  # one word: a word of the corpus starts with it
        # "jd.com", "yu'ebao": every part is there; whether together, only the text says
        return re.search(rf"(?<!\w){re.escape(w)}", self.text) is not None

    def spelled(self, acronym: str) -> bool:
        """The acronym's words are spelled out in the corpus ("CBIRC": "China Banking and
        Insurance Regulatory Commission"); searched once per acronym."""
        key = acronym.lower()
        with self._lock:
            known = self._spelled.get(key)
        if known is not None:
            return known
        pattern = GLUE.join(rf"{re.escape(c)}[\w'’-]*" for c in key)
        found = re.search(rf"(?<!\w){pattern}(?!\w)", self.text) is not None
        with self._lock:
            if len(self._spelled) >= SPELLED_MAX:  # questions choose the acronyms: bounded
                self._spelled.clear()
            self._spelled[key] = found
        return found
