"""What a question asks for: the answer type and the focus (the thing whose value is wanted
and what it is attached to), read from spaCy's dependency parse.

>>> f = question_focus("How much was Alibaba fined in December?")
>>> f.answer_type, f.focus, f.attached
('amount', 'amount', ('the fine', 'Alibaba', 'December'))
>>> f.describe()
"the amount of Alibaba's December fine"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.text.asked import ANSWER_TYPES, VALUE_LABELS, answer_type
from rag.text.detail import QUESTION, as_written, from_parts, missing_detail
from rag.text.indirect import embed
from rag.text.measures import MEASURES
from rag.text.parser import parse
from rag.text.question_parts import (
    LIGHT,
    asking_part,
    number_of,
    reported,
    source_words,
    unlabelled_names,
)
from rag.text.words import (
    ATTACH_DEPS,
    GENERIC,
    TYPE_WORDS,
    VERB_NOUNS,
    WH,
    content_lemmas,
    lemma,
)

__all__ = [
    "ANSWER_TYPES",
    "QuestionFocus",
    "answer_type",
    "content_lemmas",
    "lemma",
    "question_focus",
]


@dataclass(frozen=True, slots=True)
class QuestionFocus:
    """What a question asks for. ``focus`` is the wanted thing ("price per share", "chief
    executive", "amount"); ``attached`` what it belongs to, head first ("the IPO";
    "the fine", "Alibaba", "December"); ``keys`` the lemmas evidence must mention for the
    focus; ``names`` the question's named entities; ``value_labels`` the NER labels of an
    answer of this type (empty for reasons, manners, quotes, yes/no)."""

    question: str
    answer_type: str
    focus: str
    attached: tuple[str, ...]
    keys: frozenset[str]
    names: tuple[tuple[str, str], ...]  # (text, NER label)
    content: frozenset[str]  # content lemmas of the question
    value_labels: frozenset[str]
    detail: str  # the asked-for detail in words (rag.text.detail)
    detail_form: str  # "noun" ("the amount of ...") or "question" ("in which month ...")

    def describe(self) -> str:
        """The asked-for detail in words: "the amount of Alibaba's December fine", or "in
        which month Saudi Aramco set its share-sale record"."""
        return self.detail

    def not_given(self) -> str:
        """The detail after the verb that fits it: "do not give the amount of ...", "do not
        name the chief executive of Ant Group", "do not say in which month ..."."""
        verb = "give"
        if self.detail_form == QUESTION:
            verb = "say"
        elif self.answer_type in {"person", "organisation"} and " name" not in self.detail:
            verb = "name"
        return f"do not {verb} {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer_type": self.answer_type,
            "focus": self.focus,
            "attached": list(self.attached),
            "keys": sorted(self.keys),
            "names": [list(n) for n in self.names],
            "detail": self.describe(),
        }


def _phrase(tok: Any, with_det: bool = True) -> str:
    """A noun with its modifiers ("the chief executive", "Ant Group's IPO", "price per share")."""
    drop = WH | {"much", "many"}
    lefts = [
        t
        for t in tok.subtree
        if t.i < tok.i
        and t.lower_ not in drop
        and not (t.dep_ == "det" and t.head.i == tok.i and not with_det)
        and t.dep_ not in {"prep", "relcl", "acl", "punct"}
    ]
    words = [t.text_with_ws.strip() if t.dep_ != "case" else t.text for t in lefts]
    lead = " ".join(w for w in words if w).replace(" 's", "'s").replace(" ’s", "’s")
    words = [f"{lead} {tok.text}".strip()]
    for prep in tok.rights:  # "price per share"
        if prep.dep_ == "prep" and prep.lower_ == "per":
            words += [prep.text, *(c.text for c in prep.children if c.dep_ == "pobj")]
    return " ".join(words)


def _wanted_noun(doc: Any) -> Any:
    """The noun whose value is asked for: "which banks", "what was the price", "who is the
    chief executive", else None."""
    for t in doc:
        if t.lower_ in {"what", "which", "whose"} and t.dep_ == "det" and t.head.pos_ == "NOUN":
            return t.head
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.lemma_ == "be":
        subj = [c for c in root.children if c.dep_ in {"nsubj", "attr"} and c.lower_ not in WH]
        if subj and subj[0].pos_ in {"NOUN", "PROPN"}:
            return subj[0]
    for t in doc:
        if t.lower_ in {"much", "many"} and t.head.pos_ == "NOUN":
            return t.head
    return None


def _attached(doc: Any, skip: set[int]) -> list[str]:
    """Noun phrases of the question other than the focus, heads first (subject, objects)."""
    out: list[str] = []
    for t in doc:
        if t.i in skip or t.lower_ in WH or t.dep_ not in ATTACH_DEPS:
            continue
        if t.pos_ not in {"NOUN", "PROPN"}:
            continue
        out.append(_phrase(t))
    return out


# Adverbs of time or degree beside a light verb that name nothing to look for ("first").
BARE = frozenset({"first", "last", "ever", "still", "also", "just", "then", "now", "again",
                  "later", "already", "soon", "finally", "eventually"})  # fmt: skip


def _verb_keys(root: Any, content: frozenset[str]) -> frozenset[str]:
    """The key words a question's verb gives: its lemma, or, for a light verb that carries no
    other ("did the health code go live"), its subject's nouns and the word it goes with."""
    if lemma(root) not in LIGHT:
        return frozenset({lemma(root)})
    near = [c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"} and c.pos_ == "NOUN"]
    near += [g for c in near for g in c.children if g.dep_ == "compound" and g.pos_ == "NOUN"]
    near += [
        c
        for c in root.children
        if c.dep_ in {"advmod", "acomp", "prt", "dobj"} and c.lower_ not in BARE | WH
    ]
    keys = frozenset(lemma(t) for t in near if lemma(t) in content)
    return keys or frozenset({lemma(root)})


def _subject(doc: Any) -> Any:
    return next((t for t in doc if t.dep_ in {"nsubj", "nsubjpass"} and t.lower_ not in WH), None)


def _of_phrases(noun: Any) -> list[str]:
    """What a noun belongs to: "the IPO" in "the price per share of the IPO"."""
    heads = [noun, *(c for p in noun.rights if p.lower_ == "per" for c in p.children)]
    return [
        _phrase(c)
        for h in heads
        for p in h.rights
        if p.dep_ == "prep" and p.lower_ != "per"
        for c in p.children
        if c.dep_ == "pobj"
    ]


_READ: dict[str, QuestionFocus] = {}  # question -> its focus: one parse per question
MAX_READ = 4096


def known_focus(question: str) -> QuestionFocus | None:
    """The focus of a question parsed before in this process, else None (no parse)."""
    return _READ.get(question)


def forget_questions() -> None:
    """Drop the parsed questions (a benchmark timing fresh questions)."""
    _READ.clear()


def question_focus(question: str) -> QuestionFocus:
    """Parse a question into its answer type and focus (cached: one parse per question)."""
    got = _READ.get(question)
    if got is None:
        got = _read_focus(question)
        if len(_READ) >= MAX_READ:
            _READ.clear()
        _READ[question] = got
    return got


def _read_focus(question: str) -> QuestionFocus:
    question = asking_part(question)
    doc = parse(question)
    if not len(doc):  # nothing to read (a blank question): asks for nothing in particular
        empty: frozenset[str] = frozenset()
        return QuestionFocus(
            question, "thing", "answer", (), empty, (), empty, empty, "the answer", "noun"
        )
    kind = answer_type(question)
    source = source_words(doc)
    names = tuple(
        (e.text, e.label_)
        for e in doc.ents
        if e.label_ not in {"ORDINAL"} and e.start not in source and e.text.lower() not in MEASURES
    )  # "the IPO" (tagged ORG) names what is measured, not whose it is
    names += tuple(n for n in unlabelled_names(doc) if n[0] not in {doc[i].text for i in source})
    content = content_lemmas(doc)
    root = reported(next((t for t in doc if t.dep_ == "ROOT"), doc[0]))
    noun = _wanted_noun(doc)
    nouns = {"NOUN", "PROPN"}
    if kind == "quote":
        subj = _subject(doc)
        who = _phrase(subj) if subj is not None else "the sources"
        focus, keys = f"what {who} said", frozenset({lemma(subj)} if subj is not None else ())
        attached = [who]
        phrase = ""  # what they said is told by the question itself
    elif noun is not None and lemma(noun) not in GENERIC and kind != "yes/no":
        focus = _phrase(noun, with_det=False)
        skip = {t.i for t in noun.subtree if t.dep_ != "prep" or t.lower_ == "per"}
        per = [c for p in noun.rights if p.lower_ == "per" for c in p.children]
        skip |= {noun.i, *(t.i for t in per)}
        keys = frozenset(lemma(t) for t in doc if t.i in skip and t.pos_ in nouns)
        attached = _of_phrases(noun)
        attached += [a for a in _attached(doc, skip) if a not in attached]
        phrase = f"the {focus} of {attached[0]}" if attached else f"the {focus}"
        # "What is Ant?" asks what Ant is, not for "the Ant"; "Why are there fewer products?"
        # asks why, not for the products
        if noun.pos_ == "PROPN" or kind in {"reason", "manner"}:
            phrase = ""
        if kind == "count":
            phrase = number_of(doc, noun, focus, attached, embed(doc).subject_asked)
    else:
        focus = TYPE_WORDS.get(kind, "answer")
        skip = {noun.i} if noun is not None else set()
        ofs = _of_phrases(noun) if noun is not None else []
        attached = list(ofs)
        keys = frozenset(lemma(t) for t in doc if t.dep_ == "pobj" and t.head.head == noun)
        verb = root.pos_ == "VERB" and lemma(root) not in {"be", "do", "have"}
        if verb and lemma(root) in VERB_NOUNS:
            attached.append(f"the {VERB_NOUNS[lemma(root)]}")
        if verb:
            keys = keys | _verb_keys(root, content)
        attached += [a for a in _attached(doc, skip) if a not in attached]
        phrase = ""  # the question itself, as an indirect one
        if noun is not None and ofs and kind != "yes/no":  # "the size of the IPO"
            phrase = f"the {noun.lower_} of {attached[0]}"
        elif kind == "amount" and verb and " " not in VERB_NOUNS.get(lemma(root), " "):
            written = [as_written(a, question) for a in dict.fromkeys(a for a in attached if a)]
            phrase = from_parts(focus, written)  # "the amount of Alibaba's December fine"
    detail, form = missing_detail(doc, as_written(phrase, question), source)
    return QuestionFocus(
        question=question,
        answer_type=kind,
        focus=focus,
        attached=tuple(dict.fromkeys(a for a in attached if a)),
        keys=keys,
        names=names,
        content=content,
        value_labels=frozenset(VALUE_LABELS.get(kind, set())),
        detail=detail,
        detail_form=form,
    )
