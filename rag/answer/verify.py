"""Does a cited span support a sentence? Run on every answer sentence, whatever produced it.

A sentence is supported only if (1) every number, amount, date and named entity it states
appears in the cited spans (normalised), (2) it does not flip a negation or a direction the
spans state, and (3) its content is covered: a mix of lexical coverage of its content words
and embedding similarity, against a threshold calibrated on tests/data/verify_pairs.jsonl.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.index.embedder import Embedder
from rag.text.facts import missing_facts
from rag.text.tokens import tokenize

# Calibrated on the first half of tests/data/verify_pairs.jsonl (see tests/rag/test_verify.py).
LEXICAL_WEIGHT = 0.5
DEFAULT_THRESHOLD = 0.78

NEGATIONS = re.compile(
    r"\b(?:not|no|never|none|nothing|without|cannot|refus\w*|inabilit\w*|unable|fail\w*|"
    r"deny|denied|neither|nor)\b|n['’]t\b",
    re.IGNORECASE,
)
# Words whose opposite in the evidence contradicts the sentence.
OPPOSITES = {
    "increase": "decrease", "increased": "decreased", "rise": "fall", "rose": "fell",
    "grew": "shrank", "more": "less", "higher": "lower", "gain": "loss",
    "equally": "differently", "equal": "different", "same": "different",
    "continue": "stop", "continued": "stopped", "allowed": "banned", "praise": "criticize",
    "praising": "criticizing", "approved": "suspended", "completed": "suspended",
    "voluntarily": "forced", "encourage": "discourage", "support": "oppose",
}  # fmt: skip
_PAIRS = {**OPPOSITES, **{v: k for k, v in OPPOSITES.items()}}


@dataclass(frozen=True, slots=True)
class Verdict:
    supported: bool
    score: float  # 0..1; the `support` reported per sentence
    lexical: float
    semantic: float
    missing: list[str] = field(default_factory=list)
    contradiction: bool = False


def lexical_coverage(sentence: str, evidence: str) -> float:
    """Share of the sentence's content words (stemmed) that the evidence contains."""
    words = tokenize(sentence)
    if not words:
        return 1.0
    ev = set(tokenize(evidence))
    return sum(1 for w in words if w in ev) / len(words)


def negated_words(text: str) -> set[str]:
    """Stemmed content words within three words after a negation cue."""
    out: set[str] = set()
    for m in NEGATIONS.finditer(text):
        out.update(tokenize(" ".join(text[m.end() :].split()[:3])))
    return out


def contradicts(sentence: str, evidence: str) -> bool:
    """A negation on one side only over the same words, or an opposite word in the evidence."""
    s_neg = bool(NEGATIONS.search(sentence))
    e_neg = bool(NEGATIONS.search(evidence))
    if s_neg and not e_neg and lexical_coverage(sentence, evidence) > 0.3:
        return True  # the sentence denies what the evidence states
    if e_neg and not s_neg and negated_words(evidence) & set(tokenize(sentence)):
        return True  # the sentence asserts what the evidence denies
    s_words = set(re.findall(r"[a-z]+", sentence.lower()))
    e_words = set(re.findall(r"[a-z]+", evidence.lower()))
    return any(w in _PAIRS and _PAIRS[w] in e_words and w not in e_words for w in s_words)


def _normal(s: str) -> str:
    s = s.replace("’", "'").replace("“", '"').replace("”", '"').lower()
    return " ".join(re.sub(r"\$\s+", "$", s).split())


class Verifier:
    """Scores sentence/span support.

    >>> v = Verifier(embedder)
    >>> v.check("Ant would have raised $37 billion.", ["Ant would have raised about $ 37 billion."])
    Verdict(supported=True, ...)
    """

    def __init__(self, embedder: Embedder, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.embedder = embedder
        self.threshold = threshold

    def features(self, sentence: str, spans: Sequence[str]) -> Verdict:
        evidence = " ".join(spans)
        lex = lexical_coverage(sentence, evidence)
        if _normal(sentence).rstrip(".") in _normal(evidence):
            sem = 1.0  # a verbatim extract needs no model to be judged
        else:
            vecs = self.embedder.embed([sentence, evidence, *spans])
            sem = float(max(vecs[1:] @ vecs[0]))
        missing = missing_facts(sentence, evidence)
        contra = contradicts(sentence, evidence)
        score = LEXICAL_WEIGHT * lex + (1 - LEXICAL_WEIGHT) * max(sem, 0.0)
        if missing or contra:
            score *= 0.5
        return Verdict(
            supported=False,
            score=round(float(np.clip(score, 0.0, 1.0)), 4),
            lexical=round(lex, 4),
            semantic=round(sem, 4),
            missing=missing,
            contradiction=contra,
        )

    def check(self, sentence: str, spans: Sequence[str]) -> Verdict:
        """Whether the spans, jointly, support the sentence."""
        if not spans or not sentence.strip():
            return Verdict(False, 0.0, 0.0, 0.0)
        v = self.features(sentence, spans)
        ok = not v.missing and not v.contradiction and v.score >= self.threshold
        return Verdict(ok, v.score, v.lexical, v.semantic, v.missing, v.contradiction)
