"""Follow-up questions made standalone, without an LLM.

A chat client sends the whole conversation; retrieval needs one self-contained question. A
follow-up ("and why did it withdraw the deposit products?") borrows the main entity of the
previous user turn ("Why was the Ant IPO suspended?") and becomes
"Why did Ant withdraw the deposit products?".

>>> standalone_question([
...     ("user", "Why was the Ant IPO suspended?"),
...     ("assistant", "..."),
...     ("user", "and why did it withdraw the deposit products?"),
... ])
'Why did Ant withdraw the deposit products?'
"""

from __future__ import annotations

import re

from rag.text.wording import capitalise

# Words that open a follow-up and carry no content once the context is restored.
LEADING = re.compile(
    r"^\s*(?:(?:and|but|so|also|then|ok(?:ay)?|well|now)\b[\s,]*)+",
    re.IGNORECASE,
)
ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<rest>.+?)\s*[?.!]*\s*$", re.I)
WORD = re.compile(r"[A-Za-z][\w’'&.-]*[\w]|[A-Za-z]")
# Capitalised words that open sentences or questions and are not names.
_NOT_NAMES = """why what when where who whom whose which how is are was were do does did can could
    should would will shall may might must has have had the a an in on at of for to from by
    with and but or so also then tell give list explain describe summarise summarize compare
    please i it its they them their this that these those he she his her him there here
    according if after before since as not no yes ok okay well now let show find"""
NOT_NAMES = frozenset(_NOT_NAMES.split())
# Acronyms that name a thing, not who did it ("the Ant IPO" is about Ant).
COMMON_ACRONYMS = frozenset({"IPO", "CEO", "CFO", "CTO", "COO", "GDP", "ETF", "AI", "API", "VP"})
SUBJECT_PRONOUNS = frozenset({"it", "they", "he", "she", "him", "them"})
POSSESSIVES = frozenset({"its", "their", "his", "her"})
DEICTIC = frozenset({"that", "this", "these", "those"})
SHORT = 4  # a question of at most this many words is treated as a follow-up


def entities(text: str) -> list[str]:
    """Capitalised names in order of appearance: "Ant Group", "Xi Jinping", "Bank of China"."""
    names: list[str] = []
    run: list[str] = []
    tokens = [
        (m.group(0).rstrip(".").removesuffix("’s").removesuffix("'s"), m)
        for m in WORD.finditer(text)
    ]

    def flush() -> None:
        while run and (run[-1] in COMMON_ACRONYMS or run[-1].lower() == "of"):
            run.pop()
        if run and " ".join(run) not in names:
            names.append(" ".join(run))
        run.clear()

    for word, m in tokens:
        is_name = word[:1].isupper() and word.lower() not in NOT_NAMES
        starts_run = is_name and not (not run and word in COMMON_ACRONYMS)
        if starts_run or (run and word.lower() == "of"):
            run.append(word)
        else:
            flush()
        if m.group(0).endswith(("’s", "'s")) or text[m.end() : m.end() + 1] in ",;:?!":
            flush()
    flush()
    return names


def is_followup(question: str) -> bool:
    """Does this question lean on an earlier turn?"""
    words = [w.lower() for w in WORD.findall(question)]
    if not words:
        return False
    if LEADING.match(question) or ABOUT.match(question):
        return True
    if len(words) <= SHORT:
        return True
    leans = any(w in SUBJECT_PRONOUNS | POSSESSIVES | DEICTIC for w in words)
    return leans and not entities(question)


def _resolve(question: str, previous: str) -> str:
    """Rewrite one follow-up against the previous standalone question."""
    names = entities(previous)
    about = ABOUT.match(question)
    if about:  # "what about Alibaba?" -> the previous question about Alibaba
        topic = about.group("rest")
        if names and names[0] in previous:
            return previous.replace(names[0], topic, 1)
        return f"{previous.rstrip('?.! ')} — {topic}?"
    q = LEADING.sub("", question).strip()
    if not names or entities(q):
        return capitalise(q) if q else previous
    main = names[0]
    replaced = False

    def swap(m: re.Match[str]) -> str:
        nonlocal replaced
        word = m.group(0)
        if replaced:
            return word
        replaced = True
        return f"{main}’s" if word.lower() in POSSESSIVES else main

    pronouns = "|".join(sorted(SUBJECT_PRONOUNS | POSSESSIVES))
    out = re.sub(rf"\b(?:{pronouns})\b", swap, q, flags=re.IGNORECASE)
    if replaced:
        return capitalise(out)
    # "why?", "when was that?": keep the wording and add the previous question as context.
    return f"{capitalise(q)} {previous}".strip()


def standalone_question(messages: list[tuple[str, str]]) -> str:
    """The last user message as a self-contained question (messages are (role, content)).

    Earlier user turns are resolved in order, so a chain of follow-ups keeps its subject.
    Raises ValueError when there is no user message.
    """
    turns = [content.strip() for role, content in messages if role == "user" and content.strip()]
    if not turns:
        raise ValueError("no user message")
    current = turns[0]
    for turn in turns[1:]:
        current = _resolve(turn, current) if is_followup(turn) else turn
    return current
