"""The dense index switch: exact inner product while small, HNSW past the threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from rag.settings import IndexSettings
from rag.store import DenseIndex, set_faiss_threads

DIM = 384  # the model's dimension
N = 2000
K = 10

Vectors = npt.NDArray[np.float32]


def unit(v: Vectors) -> Vectors:
    out: Vectors = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return out


@pytest.fixture(scope="module")
def data() -> tuple[Vectors, Vectors]:
    """Random unit vectors, and queries that are noisy copies of some of them.

    Random vectors in 384 dimensions are a hard case for HNSW (no cluster structure), so
    this is a conservative check; each query is a stored vector plus noise of the same norm,
    so it has a clear nearest neighbour, as a real query usually does.
    """
    set_faiss_threads(1)
    rng = np.random.default_rng(0)
    x = unit(rng.standard_normal((N, DIM), dtype=np.float32))
    noise = unit(rng.standard_normal((200, DIM), dtype=np.float32))
    q = unit(x[rng.integers(0, N, 200)] + noise)
    return x, q


@pytest.fixture(scope="module")
def defaults() -> IndexSettings:
    return IndexSettings()


def exact_top(x: Vectors, q: Vectors, k: int) -> list[int]:
    scores = x @ q
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def recall(index: DenseIndex, x: Vectors, queries: Vectors) -> float:
    hits = [len(set(index.search(q, K)[1].tolist()) & set(exact_top(x, q, K))) / K for q in queries]
    return float(np.mean(hits))


def test_at_or_below_the_threshold_the_index_is_exact(
    data: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, queries = data
    index = DenseIndex.build(x, N, defaults.hnsw_m, defaults.hnsw_ef_search)
    assert index.kind == "flat"
    for q in queries[:20]:
        scores, ids = index.search(q, K)
        assert ids.tolist() == exact_top(x, q, K)
        assert np.allclose(scores, (x @ q)[ids], atol=1e-5)


def test_past_the_threshold_the_index_is_hnsw_with_high_recall(
    data: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, queries = data
    index = DenseIndex.build(x, 100, defaults.hnsw_m, defaults.hnsw_ef_search)
    assert index.kind == "hnsw"
    assert index.index.ntotal == N
    assert index.index.hnsw.efSearch == defaults.hnsw_ef_search
    assert recall(index, x, queries) >= 0.98


def test_the_switch_is_strictly_past_the_threshold(
    data: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, _ = data
    small = x[:101]
    assert DenseIndex.build(small, 101, defaults.hnsw_m, defaults.hnsw_ef_search).kind == "flat"
    assert DenseIndex.build(small, 100, defaults.hnsw_m, defaults.hnsw_ef_search).kind == "hnsw"


def test_hnsw_survives_save_and_load(
    data: tuple[Vectors, Vectors], defaults: IndexSettings, tmp_path: Path
) -> None:
    x, queries = data
    built = DenseIndex.build(x, 100, defaults.hnsw_m, defaults.hnsw_ef_search)
    built.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss", "hnsw", ef_search=64)
    assert loaded.kind == "hnsw"
    assert loaded.index.hnsw.efSearch == 64
    again = DenseIndex.load(tmp_path / "dense.faiss", "hnsw", defaults.hnsw_ef_search)
    for q in queries[:20]:
        assert again.search(q, K)[1].tolist() == built.search(q, K)[1].tolist()


def test_hnsw_search_keeps_to_the_allowed_ids(
    data: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, queries = data
    index = DenseIndex.build(x, 100, defaults.hnsw_m, defaults.hnsw_ef_search)
    allowed = np.arange(0, N, 2, dtype=np.int64)  # even rows only
    for q in queries[:50]:
        _, ids = index.search(q, K, allowed)
        assert len(ids) == K
        assert all(i % 2 == 0 for i in ids.tolist())
        assert int(ids[0]) == max(allowed.tolist(), key=lambda i: float(x[i] @ q))
    assert index.search(queries[0], K, np.zeros(0, np.int64))[1].size == 0
