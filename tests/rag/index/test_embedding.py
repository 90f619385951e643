"""Embedding paths: our batched forward pass, workers, and the three ingest strategies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.engine import Engine
from rag.index.chunking import chunk_document
from rag.index.corpus import load_corpus
from rag.index.embedder import Embedder, _pool_spans
from rag.index.embedding import get_embedder
from rag.settings import Settings


@st.composite
def batches(
    draw: st.DrawFn,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
    b = draw(st.integers(1, 3))
    t = draw(st.integers(2, 8))
    dim = 4
    hidden = np.array(
        draw(st.lists(st.floats(-2, 2, width=32), min_size=b * t * dim, max_size=b * t * dim)),
        np.float32,
    ).reshape(b, t, dim)
    lengths = [draw(st.integers(1, t)) for _ in range(b)]
    mask = np.array([[1] * n + [0] * (t - n) for n in lengths])
    offsets = np.zeros((b, t, 2), np.int64)
    for i, n in enumerate(lengths):
        pos = 0
        for j in range(1, n - 1):  # first and last real tokens are [CLS]/[SEP]: (0, 0)
            width = draw(st.integers(1, 4))
            offsets[i, j] = (pos, pos + width)
            pos += width + draw(st.integers(0, 1))
    spans = [
        [tuple(sorted(draw(st.tuples(st.integers(0, 30), st.integers(0, 30))))) for _ in range(3)]
        for _ in range(b)
    ]
    return hidden, mask, offsets, spans  # type: ignore[return-value]


@settings(max_examples=200, deadline=None)
@given(batches())
def test_pool_spans_means_exactly_the_tokens_that_start_inside_each_span(
    data: tuple[np.ndarray, np.ndarray, np.ndarray, list[list[tuple[int, int]]]],
) -> None:
    hidden, mask, offsets, spans = data
    texts, per_text = _pool_spans(hidden, mask, offsets, spans)
    for b, text_spans in enumerate(spans):
        real = mask[b] > 0
        full = hidden[b][real].mean(axis=0)
        if np.linalg.norm(full) > 1e-3:
            assert np.allclose(texts[b], full / np.linalg.norm(full), atol=1e-4)
        assert per_text[b].shape == (len(text_spans), hidden.shape[2])
        for j, (lo, hi) in enumerate(text_spans):
            inside = [
                k
                for k in range(hidden.shape[1])
                if real[k] and offsets[b, k, 1] > offsets[b, k, 0] and lo <= offsets[b, k, 0] < hi
            ]
            row = per_text[b][j]
            if not inside:
                assert not row.any()  # the caller embeds such a span on its own
                continue
            mean = hidden[b][inside].mean(axis=0)
            if np.linalg.norm(mean) > 1e-3:
                assert np.allclose(row, mean / np.linalg.norm(mean), atol=1e-4)


def _passages(corpus_dir: Path) -> tuple[list[str], list[list[tuple[int, int]]]]:
    docs, _ = load_corpus(corpus_dir)
    texts, spans = [], []
    for d in docs:
        ps, ss = chunk_document(d.doc_id, d.text, d.body_start, 160, 1)
        for p in ps:
            texts.append(p.text)
            spans.append(
                [(s.start - p.start, s.end - p.start) for s in ss if p.start <= s.start < p.end]
            )
    return texts, spans


@pytest.mark.parametrize("backend", ["sentence-transformers", "onnx-int8"])
def test_two_workers_give_the_vectors_of_one(backend: str, corpus_dir: Path) -> None:
    emb = get_embedder(backend, "all-MiniLM-L6-v2", 1)
    texts, _ = _passages(corpus_dir)
    seen: list[int] = []
    one = emb.embed(texts, batch_size=4)
    two = emb.embed(texts, batch_size=4, progress=seen.append, workers=2)
    assert sum(seen) == len(texts)
    assert np.allclose(one, two, atol=1e-6)


def test_our_forward_pass_gives_sentence_transformers_encode_vectors(
    embedder: Embedder, corpus_dir: Path
) -> None:
    texts, _ = _passages(corpus_dir)
    model = embedder.model  # type: ignore[attr-defined]
    reference = model.encode(texts[:12], normalize_embeddings=True, convert_to_numpy=True)
    assert float((embedder.embed(texts[:12]) * reference).sum(axis=1).min()) >= 0.99999
    q = "why was the Ant IPO suspended?"
    assert float(embedder.embed_query(q) @ model.encode(q, normalize_embeddings=True)) >= 0.99999


@pytest.mark.parametrize("backend", ["sentence-transformers", "onnx-int8"])
def test_passage_vectors_from_the_shared_pass_equal_plain_embedding(
    backend: str, corpus_dir: Path
) -> None:
    emb = get_embedder(backend, "all-MiniLM-L6-v2", 1)
    texts, spans = _passages(corpus_dir)
    plain = emb.embed(texts)
    vecs, per_text = emb.embed_with_spans(texts, spans, batch_size=8)  # type: ignore[attr-defined]
    assert float((plain * vecs).sum(axis=1).min()) >= 0.99999
    for text_spans, rows in zip(spans, per_text, strict=True):
        assert rows.shape == (len(text_spans), 384)
        assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_a_contextual_sentence_vector_is_closest_to_its_own_sentence(
    embedder: Embedder, corpus_dir: Path
) -> None:
    texts, spans = _passages(corpus_dir)
    _, per_text = embedder.embed_with_spans(texts[:6], spans[:6])  # type: ignore[attr-defined]
    hits = total = 0
    for text, text_spans, rows in zip(texts[:6], spans[:6], per_text, strict=True):
        alone = embedder.embed([text[a:b] for a, b in text_spans])
        sims = rows @ alone.T
        hits += int((sims.argmax(axis=1) == np.arange(len(text_spans))).sum())
        total += len(text_spans)
    assert hits / total >= 0.9


def _with(settings: Settings, strategy: str) -> Settings:
    emb = settings.embedding.model_copy(update={"strategy": strategy})
    return settings.model_copy(update={"embedding": emb})


@pytest.mark.slow
def test_the_three_embedding_strategies_and_switching_between_them(
    embedder: Embedder, corpus_dir: Path, tmp_path: Path
) -> None:
    base = Settings().with_paths(corpus=corpus_dir, index=tmp_path / "index")
    assert base.embedding.strategy == "separate"
    indexes = {}
    for strategy in ("pooled-passages", "contextual-sentences", "separate"):
        report = Engine(_with(base, strategy), embedder).ingest()
        assert report.rebuilt and report.embedded_passages == report.passages  # re-embedded
        ix = Engine(_with(base, strategy), embedder).load()
        for vecs in (ix.passage_vectors, ix.sentence_vectors):
            assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
        indexes[strategy] = ix
    pooled, ctx, sep = (indexes[k] for k in ("pooled-passages", "contextual-sentences", "separate"))
    keys = [(s.doc_id, s.start, s.end) for s in sep.sentences]
    assert keys == [(s.doc_id, s.start, s.end) for s in ctx.sentences]
    assert keys == [(s.doc_id, s.start, s.end) for s in pooled.sentences]
    # separate and pooled embed sentences alone; contextual pools them from the passage pass
    assert np.allclose(sep.sentence_vectors, pooled.sentence_vectors, atol=1e-5)
    assert not np.allclose(ctx.sentence_vectors[:5], sep.sentence_vectors[:5], atol=1e-2)
    # separate and contextual embed passages whole; pooled averages its sentences
    assert np.allclose(sep.passage_vectors, ctx.passage_vectors, atol=1e-4)
    p = pooled.passages[3]
    rows = [
        i
        for i, s in enumerate(pooled.sentences)
        if s.doc_id == p.doc_id and p.start <= s.start and s.end <= p.end
    ]
    w = np.array([len(pooled.sentences[i].text) for i in rows], np.float32)[:, None]
    mean = (pooled.sentence_vectors[rows] * w).sum(axis=0)
    assert np.allclose(pooled.passage_vectors[3], mean / np.linalg.norm(mean), atol=1e-5)
    assert float(pooled.passage_vectors[3] @ sep.passage_vectors[3]) > 0.8


def test_a_passage_cut_from_an_overlong_sentence_is_embedded_whole(
    embedder: Embedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    long = " ".join(f"regulators{i} reviewed the payments platform" for i in range(60))
    (corpus / "long.txt").write_text(f"Short opening sentence here. {long}. A closing line.\n")
    settings = _with(
        Settings().with_paths(corpus=corpus, index=tmp_path / "index"), "pooled-passages"
    )
    Engine(settings, embedder).ingest()
    ix = Engine(settings, embedder).load()
    assert len(ix.passages) >= 3
    texts = [p.text for p in ix.passages]
    whole = embedder.embed(texts)
    sentence_ends = {s.end for s in ix.sentences}
    cut = [i for i, p in enumerate(ix.passages) if p.end not in sentence_ends]
    assert cut  # the overlong sentence was cut into pieces
    for i in cut:
        assert float(ix.passage_vectors[i] @ whole[i]) > 0.9999
