"""Does the evidence state what was asked? Per candidate sentence: is the focus there, is a
value of the asked-for type there, are the question's names there (and no other subject in
their place); per question: ``answers``, ``related only`` or ``not covered``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from rag.answer.corpus_words import CorpusWords
from rag.answer.scored import ScoredSentence
from rag.answer.values import (
    ALIASES,
    SOURCES,
    has_value,
    key_share,
    wanted_head,
    wanted_modifiers,
)
from rag.text.focus import QuestionFocus
from rag.text.questions import satisfies, split_parts
from rag.text.reading import SentenceReading

TOP = 8  # candidate sentences read per question
ACTORS = {"ORG", "PERSON", "GPE", "NORP"}
VERDICTS = ("answers", "related only", "not covered")
ACRONYM = re.compile(r"(?=(?:[a-z]*[A-Z]){3})[A-Z][A-Za-z]{2,5}")  # CBIRC, PBoC
# Answer types whose value the reading can see (a sum, a number, a share, a date, a name, a
# cause): for these the absence of a value near the focus is evidence enough that the detail
# is not given.
TYPED = frozenset(
    {"amount", "count", "percent", "date", "person", "place", "organisation", "yes/no", "reason"}
)


@dataclass(frozen=True, slots=True)
class SentenceSignals:
    """What one sentence shows for the question (fractions in [0, 1], flags as 0/1)."""

    row: int
    focus: float  # share of the focus's key lemmas present
    value: float  # a value of the asked-for type present (not one the question names)
    names: float  # share of the question's names present
    clash: float  # another actor stands where the question's missing name should be
    content: float  # share of the question's content lemmas present
    head: float = 1.0  # the wanted noun itself is there ("premier" of "vice premier")

    @property
    def near(self) -> bool:
        """The sentence is about the focus: its key lemmas, or most of the question's words."""
        return self.focus >= 0.5 or self.content >= 0.5

    @property
    def answers(self) -> bool:
        return (
            self.near and self.value > 0 and self.names >= 1.0 and not self.clash and self.head > 0
        )

    @property
    def related(self) -> bool:
        return (self.focus > 0 or self.content >= 0.34) and self.names >= 0.5


@dataclass(frozen=True, slots=True)
class Reading:
    """The verdict for a question, the best sentence row per verdict and the signals the
    calibrated decision uses."""

    verdict: str
    best: dict[str, int]  # verdict -> sentence row
    unknown_names: list[str]
    signals: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "best": dict(self.best),
            "unknown_names": list(self.unknown_names),
            "signals": dict(self.signals),
        }


# Name endings that "the <word>" can stand for ("the group": Ant Group); not values.TYPE_NOUNS.
NAME_KINDS = frozenset(
    {"group", "company", "bank", "exchange", "commission", "firm", "agency", "ministry"}
)


def _in(name: str, text: str) -> bool:
    """A name is mentioned: its head word (possessive and article dropped), or an alias."""
    low = text.lower()
    words = [w for w in re.findall(r"[\w.&-]+", re.sub(r"['’]s\b", "", name.lower()))]
    words = [w for w in words if w not in {"the", "of", "and"}]
    if not words:
        return True
    head = words[0]
    alias = ALIASES.get(head)
    if len(words) > 1 and words[-1] in NAME_KINDS and re.search(rf"\bthe {words[-1]}\b", low):
        return True  # "the group's chairman": Ant Group by the kind of thing it is
    return re.search(rf"(?<!\w){re.escape(head)}", low) is not None or bool(alias and alias in low)


def sentence_signals(f: QuestionFocus, c: ScoredSentence, r: SentenceReading) -> SentenceSignals:
    """The signals of one candidate sentence for a parsed question."""
    names = [n for n, lab in f.names if lab not in {"DATE", "CARDINAL"}] or []
    present = [n for n in names if _in(n, c.text)]
    missing_actor = any(not _in(n, c.text) for n, lab in f.names if lab in ACTORS)
    other = any(
        lab in ACTORS - f.value_labels and t.lower() not in {n.lower() for n, _ in f.names}
        and any(w.lower() in r.subjects for w in t.split())
        for t, lab in r.ents
    )  # fmt: skip
    return SentenceSignals(
        row=c.row,
        focus=key_share(keys, r.lemmas) if (keys := f.keys - SOURCES) else 1.0,
        value=1.0 if has_value(f, r, c.text) else 0.0,
        names=len(present) / len(names) if names else 1.0,
        clash=1.0 if missing_actor and other else 0.0,
        content=key_share(f.content, r.lemmas),
        head=_head(f, r),
    )


def _head(f: QuestionFocus, r: SentenceReading) -> float:
    """The wanted noun is there, with what narrows it ("investment" of "investment banks")."""
    if not (h := wanted_head(f)):
        return 1.0
    share = key_share(frozenset({h}), r.lemmas)
    mods = wanted_modifiers(f)
    return min(share, key_share(mods, r.lemmas)) if mods else share


def unknown_names(f: QuestionFocus, corpus: CorpusWords) -> list[str]:
    """Names of the question that occur nowhere in the corpus (decisive: not covered)."""
    out = []
    for n, lab in f.names:
        if lab in {"DATE", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "TIME", "QUANTITY"}:
            continue
        words = [w for w in re.findall(r"[\w.&-]+", n) if w.lower() not in {"the", "of"}]
        if words and not all(_mentioned(w, corpus) for w in words):
            out.append(n)
    return out


def _mentioned(word: str, corpus: CorpusWords) -> bool:
    """The word occurs in the corpus, or an acronym ("CBIRC") is spelled out there ("China
    Banking and Insurance Regulatory Commission"): articles name a body in full."""
    return corpus.literal(word) or (ACRONYM.fullmatch(word) is not None and corpus.spelled(word))


def _typed_gap(f: QuestionFocus, sigs: list[SentenceSignals]) -> float:
    """1.0 when a typed question (how much, how many, what share, when, who) has candidate
    sentences about its focus and none of them holds a value of the asked-for type: "How much
    was Alibaba fined in December?" over "Alibaba was also slapped with a fine in December"."""
    if f.answer_type not in TYPED or len(split_parts(f.question)) > 1:
        return 0.0  # a multi-part question's parts are judged apart (rag.answer.answerability)
    about = [s for s in sigs if s.focus > 0 or s.near or s.related]
    # of the one asked about: most of its names ("China's central bank" where the sentence
    # calls Ant "the fintech juggernaut"), and no other actor in its place
    own = [s for s in about if s.names >= 0.5 and not s.clash and s.head > 0]
    if f.answer_type == "reason":  # a cause is often told in the next sentence ("The move ...")
        own = [s for s in sigs if s.names >= 0.5 and not s.clash]
        return 1.0 if about and not any(s.value for s in own) else 0.0
    return 1.0 if about and not any(s.value for s in own if s.near) else 0.0


def _nearness(f: QuestionFocus, s: SentenceSignals) -> tuple[float, float, float]:
    """How near a related sentence is to the question: its names, then how many of the
    focus's key words and of the question's words it holds (counts, not shares: one key
    word matched by a synonym does not outweigh most of the question), then its focus."""
    matched = s.focus * len(f.keys - SOURCES) + s.content * len(f.content)
    # rounded: a share's last bits depend on the order a set is summed in (hash seed)
    return (round(s.names, 6), round(matched, 6), round(s.focus, 6))


def read_evidence(
    f: QuestionFocus,
    cands: list[ScoredSentence],
    readings: list[SentenceReading],
    corpus: CorpusWords,
) -> Reading:
    """The verdict for a question over its candidate sentences (best-scored first);
    ``corpus`` is the corpus's words."""
    unknown = unknown_names(f, corpus)
    # An acronym the articles only spell out ("CBIRC") is named once in full and then
    # referred to ("the person in charge"): it cannot be looked for sentence by sentence.
    spelled = [(n, lab) for n, lab in f.names if ACRONYM.fullmatch(n) and not corpus.literal(n)]
    if spelled:
        f = dataclasses.replace(f, names=tuple(x for x in f.names if x not in spelled))
    sigs = [sentence_signals(f, c, readings[c.row]) for c in cands[:TOP]]
    best: dict[str, int] = {}
    for s in sigs:
        if s.answers:
            best.setdefault("answers", s.row)
    if related := [s for s in sigs if s.related]:
        # the one nearest the question leads a partial answer, not merely the best-scored
        best["related only"] = max(related, key=lambda s: _nearness(f, s)).row
    if unknown:
        verdict = "not covered"
    elif "answers" in best:
        verdict = "answers"
    elif "related only" in best:
        verdict = "related only"
    else:
        verdict = "not covered"
    top = sigs[0] if sigs else None
    signals = {
        "answers": 1.0 if "answers" in best else 0.0,
        "related": 1.0 if "related only" in best else 0.0,
        "unknown_names": float(len(unknown)),
        "focus": max((s.focus for s in sigs), default=0.0),
        "value_with_focus": max((s.value for s in sigs if s.focus > 0), default=0.0),
        "names": max((s.names for s in sigs), default=0.0),
        "clash_top": top.clash if top else 0.0,
        "content_top": top.content if top else 0.0,
        "answers_rank": next((i for i, s in enumerate(sigs) if s.answers), TOP) / TOP,
        "typed_gap": _typed_gap(f, sigs),
        **_spread(cands[:TOP], sigs),
    }
    return Reading(verdict, best, unknown, signals)


def _spread(cands: list[ScoredSentence], sigs: list[SentenceSignals]) -> dict[str, float]:
    """How the evidence is spread over the candidates: how clearly the best sentence leads,
    whether a value sits in a sentence about the focus (and the question's own actor), and
    how many sentences answer or only relate (one lucky sentence or a consistent picture)."""
    near = [s for s in sigs if s.near]
    scores = [c.score for c in cands] + [0.0, 0.0]
    return {
        "top_sentence": scores[0],
        "margin": scores[0] - scores[1],
        "value_near": max((s.value for s in near), default=0.0),
        "value_own": max((s.value for s in near if s.names >= 1.0 and not s.clash), default=0.0),
        "content_max": max((s.content for s in sigs), default=0.0),
        "focus_top": sigs[0].focus if sigs else 0.0,
        "answering": sum(s.answers for s in sigs) / TOP,
        "relating": sum(s.related for s in sigs) / TOP,
    }


class _Texted(Protocol):
    @property
    def text(self) -> str: ...


T = TypeVar("T", bound=_Texted)


def reason_first(f: QuestionFocus, claims: Sequence[T], may_lead: Callable[[T], bool]) -> list[T]:
    """A why-question's answer leads with the first sentence that gives a reason for the
    question's names ("... was stopped due to the inability of the group to meet the new
    conditions"), not with one that only restates the event; only a sentence that may lead
    (trusted evidence, not an upload) is moved."""
    if f.answer_type != "reason":
        return list(claims)
    names = [n for n, lab in f.names if lab not in {"DATE", "CARDINAL"}]
    for i, c in enumerate(claims):
        if satisfies("why", c.text) and all(_in(n, c.text) for n in names) and may_lead(c):
            return [claims[i], *claims[:i], *claims[i + 1 :]]
    return list(claims)
