"""Question answering over news articles with checked, offset-exact citations.

The public API::

    from rag import Engine, Settings

    engine = Engine(Settings())
    engine.ingest()                                   # corpus/ -> index/
    engine.search("Why was the Ant IPO suspended?")   # SearchResult
    engine.ask("Why was the Ant IPO suspended?")      # Answer, every sentence verified
    engine.brief("the crackdown on Ant Group")        # Briefing

Rooms, each importing only the ones below it (import-linter holds the order):
``rag.text`` (pure language rules) < ``rag.index`` (corpus, chunks, vectors, store) <
``rag.search`` (hybrid retrieval) < ``rag.answer`` (scored sentences, answerability, claims,
citing, verify) < ``rag.briefing`` < ``rag.live`` (the served version) < ``rag.changes``
(corpus changes) < ``rag.engine`` (the composition root). ``rag.types``,
``rag.settings`` and ``rag.errors`` are the floor every room stands on.
"""

from rag.briefing.types import Briefing
from rag.engine import DocumentNotFound, Engine, Snapshot
from rag.errors import RagError
from rag.settings import Settings
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Conflict,
    Document,
    Passage,
    SearchHit,
    SearchResult,
)

__all__ = [
    "Answer",
    "AnswerSentence",
    "Briefing",
    "Citation",
    "Conflict",
    "Document",
    "DocumentNotFound",
    "Engine",
    "Passage",
    "RagError",
    "SearchHit",
    "SearchResult",
    "Settings",
    "Snapshot",
]
