"""The int8 ONNX embedder agrees with the fp32 model; indexes refuse another model; a split
embedder loads its document model once, on first use."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.engine import Engine
from rag.index.corpus import load_corpus
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.onnx import OnnxInt8Embedder
from rag.index.store import IndexMismatch, IndexStore
from rag.settings import Settings
from rag.text.sentences import split_sentences


@pytest.fixture(scope="module")
def int8() -> Embedder:
    return get_embedder("onnx-int8", "all-MiniLM-L6-v2", 1)


@pytest.fixture(scope="module")
def sentences(corpus_dir: Path) -> list[str]:
    docs, _ = load_corpus(corpus_dir)
    out = [d.text[s.start : s.end] for d in docs for s in split_sentences(d.text, d.body_start)]
    assert len(out) > 50
    return out


def test_int8_vectors_match_fp32_on_the_corpus_sentences(
    int8: Embedder, embedder: Embedder, sentences: list[str]
) -> None:
    assert isinstance(int8, OnnxInt8Embedder)
    assert (int8.model_id, int8.dim) == (embedder.model_id, embedder.dim)
    a = embedder.embed(sentences)
    b = int8.embed(sentences, batch_size=16)
    assert a.shape == b.shape == (len(sentences), 384)
    assert b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cos = (a * b).sum(axis=1)
    assert float(cos.mean()) >= 0.999
    assert float(cos.min()) >= 0.995


def test_int8_batches_and_single_queries_agree(int8: Embedder, sentences: list[str]) -> None:
    texts = sentences[:10]
    batched = int8.embed(texts, batch_size=4)  # padding differs between batches
    for text, row in zip(texts, batched, strict=True):
        assert float(int8.embed_query(text) @ row) >= 0.9999
    assert int8.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_an_int8_index_refuses_another_model_and_serves_fp32_queries(
    int8: Embedder, embedder: Embedder, corpus_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_dir / "000_341026f71ce0a6ab.txt", corpus)
    settings = Settings().with_paths(corpus=corpus, index=tmp_path / "index")
    Engine(settings, int8).ingest()
    store = IndexStore(settings.index.dir)
    assert store.read_manifest()["embedding_backend"] == "OnnxInt8Embedder"
    with pytest.raises(IndexMismatch, match="other"):
        store.load(model_id="other")
    with pytest.raises(IndexMismatch, match="dimension"):
        store.load(model_id=int8.model_id, dim=768)
    # Same model, other precision: the vectors agree to ~0.9995 cosine, so it is accepted.
    fp32 = Engine(settings, embedder)
    hits = fp32.search("Which stock exchange suspended Ant Group's IPO?").results
    assert hits and hits[0].doc_id == "000_341026f71ce0a6ab"
    text = store.load().documents[hits[0].doc_id].text
    assert all(text[h.start : h.end] == h.text for h in hits)


def test_the_default_engine_embeds_queries_with_int8_and_documents_with_fp32(
    embedder: Embedder, sentences: list[str]
) -> None:
    from rag.index.embedder import SplitEmbedder
    from rag.index.embedding import SentenceTransformerEmbedder

    split = get_embedder(
        "sentence-transformers", "all-MiniLM-L6-v2", 1, Settings().embedding.query_backend
    )
    assert isinstance(split, SplitEmbedder)
    assert isinstance(split.documents, SentenceTransformerEmbedder)
    assert isinstance(split.queries, OnnxInt8Embedder)
    assert (split.model_id, split.dim) == (embedder.model_id, embedder.dim)
    text = sentences[3]
    assert np.array_equal(split.embed([text])[0], embedder.embed([text])[0])
    q = split.embed_query(text)
    assert not np.array_equal(q, embedder.embed_query(text))  # really the int8 model
    assert float(q @ embedder.embed_query(text)) >= 0.998
    assert hasattr(split, "token_embeddings")  # maxsim still reaches the fp32 model
    same = get_embedder("sentence-transformers", "all-MiniLM-L6-v2", 1, "same")
    assert isinstance(same, SentenceTransformerEmbedder)


def test_a_split_embedder_refuses_two_different_models(embedder: Embedder) -> None:
    from rag.index.embedder import EmbeddingError, SplitEmbedder

    class Other:
        model_id = "other-model"
        dim = 384

    with pytest.raises(EmbeddingError, match="differs"):
        SplitEmbedder(embedder, Other())  # type: ignore[arg-type]


class _Fake:
    """A stand-in model: counts how often it was built."""

    built = 0

    def __init__(self, model_id: str = "all-MiniLM-L6-v2", dim: int = 384) -> None:
        self.model_id, self.dim = model_id, dim

    @classmethod
    def build(cls) -> _Fake:
        time.sleep(0.05)  # long enough for the other threads to pile up on the lock
        cls.built += 1
        return cls()

    def embed(self, texts: Any, *args: Any) -> np.ndarray:
        return np.ones((len(texts), self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.zeros(self.dim, np.float32)


def test_a_lazy_split_embedder_builds_its_document_model_once_on_first_use() -> None:
    from rag.index.embedder import SplitEmbedder

    _Fake.built = 0
    split = SplitEmbedder.lazy(_Fake.build, _Fake())  # type: ignore[arg-type]
    assert (split.model_id, split.dim, split.documents_loaded) == ("all-MiniLM-L6-v2", 384, False)
    assert split.embed_query("q").shape == (384,)  # queries need no document model
    assert not split.documents_loaded and _Fake.built == 0
    with ThreadPoolExecutor(max_workers=8) as ex:
        shapes = list(ex.map(lambda i: split.embed(["a"] * i).shape, range(1, 9)))
    assert shapes == [(i, 384) for i in range(1, 9)]
    assert split.documents_loaded and _Fake.built == 1


def test_a_lazy_split_embedder_refuses_a_different_document_model_when_it_loads() -> None:
    from rag.index.embedder import EmbeddingError, SplitEmbedder

    split = SplitEmbedder.lazy(lambda: _Fake("other-model"), _Fake())  # type: ignore[arg-type,return-value]
    with pytest.raises(EmbeddingError, match="differs"):
        split.embed(["a"])
    assert not split.documents_loaded
