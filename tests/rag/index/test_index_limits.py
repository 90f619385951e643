"""Limits that bound what one upload costs, checked before anything is embedded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from store_workspace import Workspace

from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.limits import (
    CorpusFull,
    DocumentTooLarge,
    RepetitiveDocument,
    check_repetition,
    sentence_key,
)
from rag.settings import LimitSettings, Settings
from rag.text.sentences import split_sentences

REPEATED = "The moon is made of cheese. " * 36_000  # about 1 MB of one sentence


def varied_text(n: int) -> str:
    """``n`` sentences, no two neighbours alike (for size limits, not the repetition one)."""
    words = ["harbour", "orchard", "quarry", "meadow", "foundry", "glacier", "canal", "mill"]
    return " ".join(
        f"The {words[i % 8]} near the {words[(i // 8) % 8]} reported {words[(i // 64) % 8]} "
        f"figures for season {i}."
        for i in range(n)
    )


def with_limits(settings: Settings, **limits: int) -> Settings:
    return settings.model_copy(update={"limits": settings.limits.model_copy(update=limits)})


class SpyEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed(self, texts: Sequence[str], *args: Any, **kwargs: Any) -> Any:
        self.texts += len(texts)
        return self.inner.embed(texts, *args, **kwargs)


def test_near_identical_sentences_share_a_key() -> None:
    assert sentence_key("Item 12 was sold, again!") == sentence_key("item 7 was sold again.")
    assert sentence_key("Item 12 was sold.") != sentence_key("Item 12 was bought.")


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("The moon is made of cheese. " * 9, True),
        ("Lot 1 was sold. Lot 2 was sold. Lot 3 was sold. Lot 4 was sold. " * 3, True),
        ("The moon is made of cheese. " * 8, False),
        (varied_text(200), False),
    ],
)
def test_runs_of_near_identical_sentences(text: str, refused: bool) -> None:
    limits = LimitSettings(max_repeated_sentences=8)
    sentences = split_sentences(text)
    if refused:
        with pytest.raises(RepetitiveDocument, match="max_repeated_sentences"):
            check_repetition(text, sentences, limits)
    else:
        check_repetition(text, sentences, limits)


Case = tuple[dict[str, int], str, type[Exception], str]
CASES: list[Case] = [
    ({}, REPEATED, RepetitiveDocument, "max_repeated_sentences"),
    ({"max_document_passages": 5}, varied_text(300), DocumentTooLarge, "max_document_passages"),
    ({"max_passage_sentences": 3}, varied_text(40), DocumentTooLarge, "max_passage_sentences"),
    ({"max_corpus_passages": 10}, varied_text(40), CorpusFull, "max_corpus_passages"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("limits", "text", "error", "name"), CASES)
def test_an_upload_over_a_limit_is_refused_before_embedding(
    ws: Workspace,
    embedder: Embedder,
    limits: dict[str, int],
    text: str,
    error: type[Exception],
    name: str,
) -> None:
    spy = SpyEmbedder(embedder)
    engine = Engine(with_limits(ws.settings, **limits), spy)  # type: ignore[arg-type]
    version = engine.index.version
    corpus = sorted(p.name for p in ws.corpus.iterdir())

    with pytest.raises(error, match=name):
        engine.add_document("big.txt", text.encode())

    assert spy.texts == 0
    assert engine.index.version == ws.store.current_version() == version
    assert sorted(p.name for p in ws.corpus.iterdir()) == corpus


@pytest.mark.slow
def test_under_the_limits_the_same_upload_passes(ws: Workspace, embedder: Embedder) -> None:
    engine = Engine(ws.settings, embedder)
    doc, report = engine.add_document("fine.txt", varied_text(60).encode())
    assert report.added == ["fine"] and doc.doc_id in engine.index.documents
