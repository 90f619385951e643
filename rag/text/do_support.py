"""The verb of do-support and its tense, for a question put in statement order: "did
Saudi Aramco *set*" -> "Saudi Aramco *set*", "does Alibaba *own*" -> "Alibaba *owns*".

>>> from rag.text.parser import parse
>>> doc = parse('What did the term "Big Tech" mean?')
>>> k = do_verb(list(doc), 2, 3)
>>> doc[k].text, inflect(doc[k], "VBD")
('mean', 'meant')
"""

from __future__ import annotations

from typing import Any

# Words after which a noun comes, not a verb ("did *the* term mean"): articles, possessives.
OWNERS = {"the", "a", "an", "my", "your", "his", "her", "its", "our", "their", "'s", "’s", "'", "’"}


def _lemminflect() -> Any:
    """lemminflect, imported on first use: its spaCy hook imports spaCy, which must be loaded
    by rag.text.parser first (without torch); a parsed doc means it is."""
    import lemminflect

    return lemminflect


def base_verb(tok: Any) -> bool:
    """The token is a verb's base form ("urge", even tagged as a noun; not "used")."""
    word = str(tok.text)
    lemmas = _lemminflect().getAllLemmas(word, "VERB").get("VERB", ())
    return word.isalpha() and word.islower() and word in lemmas


def _owned(before: Any) -> bool:
    """What follows the token is a noun, not a verb: an article or a possessive comes first."""
    return before.lower_ in OWNERS or before.tag_ == "POS"


def do_verb(toks: list[Any], after: int, verb: int | None) -> int | None:
    """The verb of do-support, whose subject starts at ``after``: ``verb`` (the parse's) if a
    base form not owned ("the *term*"), else the first base-form verb tagged so or right
    after a closing quote whatever its tag (quotes mislead the parse: '"pawnshop mentality"
    mean'), else one the parse made the subject of "did" itself ("did the share price
    *rise*"), else the last one tagged present, else one that ends the question; None when
    there is none."""
    if verb is not None and base_verb(toks[verb]) and not _owned(toks[verb - 1]):
        return verb
    do = toks[after - 1]
    found = [k for k in range(after + 1, len(toks)) if not _owned(toks[k - 1])]
    found = [k for k in found if base_verb(toks[k])]
    sure = [k for k in found if toks[k].tag_ == "VB" or toks[k - 1].tag_ == "''"]
    sure += [k for k in found if toks[k].dep_ == "nsubj" and toks[k].head.i == do.i]
    present = [k for k in found if toks[k].tag_ == "VBP"]
    # else a base form that ends the question, whatever its tag ("did the products sold on
    # Alipay *pay*"): the verb of a do-question comes last when it has no object
    last = [k for k in found if k == len(toks) - 1]
    return sure[0] if sure else (present[-1] if present else (last[0] if last else None))


def inflect(tok: Any, tag: str) -> str:
    """The verb after do-support in the tense of "did" (VBD), "does" (VBZ) or "do" (VBP)."""
    base = str(tok.text)
    if tag == "VBP":
        return base
    forms = _lemminflect().getInflection(base, tag=tag)
    if forms:
        return str(forms[0])
    if tag == "VBD":
        return base + ("d" if base.endswith("e") else "ed")
    return base + ("es" if base.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
