"""The dense index switch: exact inner product while small, IVF (or HNSW) past the threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from rag.index.chunking import chunk_document
from rag.index.corpus import parse_document
from rag.index.dense import DenseIndex, ivf_lists, set_faiss_threads
from rag.index.store import BuildData, IndexStore
from rag.settings import IndexSettings
from rag.types import SentenceRef

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
def clustered() -> tuple[Vectors, Vectors]:
    """4,000 random vectors with the structure of embeddings, and 200 queries.

    Made as ``bench.data.synthetic_vectors`` makes the 1M benchmark set, from 100 random
    directions instead of real passage vectors: ``unit(c_a + 0.5 c_b + 0.6 g)``; a query is
    ``unit(c + 0.6 g)``. Uniform random vectors (``data``) have no cells for IVF to find:
    their 2nd-10th neighbours are near-ties spread over the whole space.
    """
    set_faiss_threads(1)
    rng = np.random.default_rng(1)
    c = unit(rng.standard_normal((100, DIM), dtype=np.float32))
    n = 4000

    def noise(m: int) -> Vectors:
        return unit(rng.standard_normal((m, DIM), dtype=np.float32))

    x = unit(c[rng.integers(0, 100, n)] + 0.5 * c[rng.integers(0, 100, n)] + 0.6 * noise(n))
    q = unit(c[rng.integers(0, 100, 200)] + 0.6 * noise(200))
    return x, q


@pytest.fixture(scope="module")
def defaults() -> IndexSettings:
    return IndexSettings()


def hnsw(threshold: int) -> IndexSettings:
    return IndexSettings(ann_threshold=threshold, ann="hnsw")


def ivf(threshold: int, **kw: object) -> IndexSettings:
    return IndexSettings.model_validate({"ann_threshold": threshold, "ann": "ivf", **kw})


def exact_top(x: Vectors, q: Vectors, k: int) -> list[int]:
    scores = x @ q
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def recall(index: DenseIndex, x: Vectors, queries: Vectors) -> float:
    hits = [len(set(index.search(q, K)[1].tolist()) & set(exact_top(x, q, K))) / K for q in queries]
    return float(np.mean(hits))


def test_defaults_are_exact_then_ivf(defaults: IndexSettings) -> None:
    assert defaults.ann == "ivf"
    assert defaults.ann_threshold == 50_000
    assert defaults.ivf_storage == "float16"
    # 4 x sqrt(N) cells: 4,000 at 1M passages, of which nprobe are scanned
    assert ivf_lists(1_000_000, defaults.ivf_lists_per_sqrt) == 4000
    assert ivf_lists(100_000, defaults.ivf_lists_per_sqrt) == 1265
    assert ivf_lists(2000, defaults.ivf_lists_per_sqrt) == 2000 // 39  # >= 39 vectors a cell


def test_the_old_threshold_name_still_works() -> None:
    assert IndexSettings.model_validate({"hnsw_threshold": 7}).ann_threshold == 7


def test_at_or_below_the_threshold_the_index_is_exact(
    data: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, queries = data
    index = DenseIndex.build(x, ivf(N))
    assert index.kind == "flat"
    assert index.params == {}
    for q in queries[:20]:
        scores, ids = index.search(q, K)
        assert ids.tolist() == exact_top(x, q, K)
        assert np.allclose(scores, (x @ q)[ids], atol=1e-5)


def test_the_switch_is_strictly_past_the_threshold(data: tuple[Vectors, Vectors]) -> None:
    x, _ = data
    small = x[:101]
    for settings in (ivf(101), hnsw(101)):
        assert DenseIndex.build(small, settings).kind == "flat"
    assert DenseIndex.build(small, ivf(100)).kind == "ivf"
    assert DenseIndex.build(small, hnsw(100)).kind == "hnsw"


# --------------------------------------------------------------------------- IVF


def test_past_the_threshold_the_index_is_ivf_with_high_recall(
    clustered: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, queries = clustered
    index = DenseIndex.build(x, ivf(100))
    assert index.kind == "ivf"
    assert index.index.ntotal == len(x)
    nlist = ivf_lists(len(x), defaults.ivf_lists_per_sqrt)
    assert index.params == {
        "nlist": nlist,
        "nprobe": min(defaults.ivf_nprobe, nlist),
        "storage": "float16",
        "train_vectors": len(x),
        "kmeans_iters": 10,
    }
    assert index.index.nlist == nlist
    assert recall(index, x, queries) >= 0.98


def test_ivf_scanning_every_cell_is_exact_search(data: tuple[Vectors, Vectors]) -> None:
    x, queries = data
    index = DenseIndex.build(x, ivf(100, ivf_nprobe=10_000, ivf_storage="float32"))
    assert index.params["nprobe"] == index.index.nlist  # clipped to the cells there are
    for q in queries[:20]:
        scores, ids = index.search(q, K)
        assert ids.tolist() == exact_top(x, q, K)
        assert np.allclose(scores, (x @ q)[ids], atol=1e-5)


def test_ivf_float16_scores_are_close_to_float32(data: tuple[Vectors, Vectors]) -> None:
    x, queries = data
    index = DenseIndex.build(x, ivf(100, ivf_nprobe=10_000))
    for q in queries[:20]:
        scores, ids = index.search(q, K)
        assert np.allclose(scores, (x @ q)[ids], atol=2e-3)


def test_the_ivf_build_is_deterministic(clustered: tuple[Vectors, Vectors]) -> None:
    x, queries = clustered
    a, b = DenseIndex.build(x, ivf(100)), DenseIndex.build(x, ivf(100))
    for q in queries[:20]:
        assert a.search(q, K)[1].tolist() == b.search(q, K)[1].tolist()


def test_ivf_survives_save_and_load_and_nprobe_can_change(
    clustered: tuple[Vectors, Vectors], tmp_path: Path
) -> None:
    x, queries = clustered
    built = DenseIndex.build(x, ivf(100, ivf_nprobe=16))
    built.save(tmp_path / "dense.faiss")
    params = json.loads(json.dumps(built.params))  # as the manifest keeps them
    again = DenseIndex.load(tmp_path / "dense.faiss", "ivf", params=params, vectors=x)
    assert again.kind == "ivf"
    assert again.index.nprobe == 16
    for q in queries[:20]:
        assert again.search(q, K)[1].tolist() == built.search(q, K)[1].tolist()
    wider = DenseIndex.load(tmp_path / "dense.faiss", "ivf", nprobe=40, params=params)
    assert wider.index.nprobe == 40
    assert wider.params["nprobe"] == 40


@pytest.mark.parametrize("with_vectors", [True, False])
def test_ivf_search_keeps_to_the_allowed_ids(
    clustered: tuple[Vectors, Vectors], with_vectors: bool
) -> None:
    """Few allowed rows are searched exactly (on the vectors if the index has them, else by
    scanning every cell); many, by IVF scanning proportionally more cells."""
    x, queries = clustered
    built = DenseIndex.build(x, ivf(100, ivf_nprobe=8))
    index = DenseIndex(built.index, "ivf", built.params, x if with_vectors else None)
    few = np.arange(0, len(x), 40, dtype=np.int64)  # 100 rows
    for q in queries[:30]:
        scores, ids = index.search(q, K, few)
        assert ids.tolist() == [int(few[i]) for i in exact_top(x[few], q, K)]
        assert np.allclose(scores, (x @ q)[ids], atol=2e-3)
    many = np.arange(0, len(x), 2, dtype=np.int64)  # half the rows: IVF, 2 x nprobe cells
    hits = []
    for q in queries:
        scores, ids = index.search(q, K, many)
        assert len(ids) == K
        assert all(i % 2 == 0 for i in ids.tolist())
        hits.append(len(set(ids.tolist()) & {int(many[i]) for i in exact_top(x[many], q, K)}))
    assert np.mean(hits) / K >= 0.95
    one_doc = np.array([5, 6, 7], dtype=np.int64)
    assert sorted(index.search(queries[0], K, one_doc)[1].tolist()) == [5, 6, 7]
    assert index.search(queries[0], K, np.zeros(0, np.int64))[1].size == 0


# --------------------------------------------------------------------------- HNSW


def test_past_the_threshold_hnsw_has_high_recall(
    data: tuple[Vectors, Vectors], defaults: IndexSettings
) -> None:
    x, queries = data
    index = DenseIndex.build(x, hnsw(100))
    assert index.kind == "hnsw"
    assert index.index.ntotal == N
    assert index.index.hnsw.efSearch == defaults.hnsw_ef_search
    assert index.index.hnsw.efConstruction == 80  # max(2 x M, hnsw_ef_construction)
    assert index.params == {"m": 32, "ef_construction": 80, "ef_search": 128}
    assert recall(index, x, queries) >= 0.98


def test_hnsw_survives_save_and_load(
    data: tuple[Vectors, Vectors], defaults: IndexSettings, tmp_path: Path
) -> None:
    x, queries = data
    built = DenseIndex.build(x, hnsw(100))
    built.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss", "hnsw", ef_search=64)
    assert loaded.kind == "hnsw"
    assert loaded.index.hnsw.efSearch == 64
    again = DenseIndex.load(tmp_path / "dense.faiss", "hnsw", defaults.hnsw_ef_search)
    for q in queries[:20]:
        assert again.search(q, K)[1].tolist() == built.search(q, K)[1].tolist()


def test_hnsw_search_keeps_to_the_allowed_ids(data: tuple[Vectors, Vectors]) -> None:
    x, queries = data
    index = DenseIndex.build(x, hnsw(100))
    allowed = np.arange(0, N, 2, dtype=np.int64)  # even rows only
    for q in queries[:50]:
        _, ids = index.search(q, K, allowed)
        assert len(ids) == K
        assert all(i % 2 == 0 for i in ids.tolist())
        assert int(ids[0]) == max(allowed.tolist(), key=lambda i: float(x[i] @ q))
    assert index.search(queries[0], K, np.zeros(0, np.int64))[1].size == 0


# --------------------------------------------------------------------------- on disk


def build_data(x: Vectors) -> BuildData:
    """One single-sentence document per vector (no model: the vectors are given)."""
    docs = [
        parse_document(f"d{i:05d}", f"d{i:05d}.txt", f"Passage number {i}.".encode())
        for i in range(len(x))
    ]
    passages, sentences = [], []
    for d in docs:
        ps, ss = chunk_document(d.doc_id, d.text, d.body_start, 160, 1)
        passages.extend(ps)
        sentences.extend(SentenceRef(d.doc_id, s.start, s.end, d.text[s.start : s.end]) for s in ss)
    assert len(passages) == len(x)
    svecs = np.stack([x[int(s.doc_id[1:])] for s in sentences])
    manifest = {"model_id": "test", "dim": DIM}
    return BuildData(docs, passages, sentences, x, svecs, manifest)


def test_the_manifest_records_the_index_and_its_parameters(
    clustered: tuple[Vectors, Vectors], tmp_path: Path
) -> None:
    x, queries = clustered
    x = x[:1500]
    store = IndexStore(tmp_path / "index")
    store.write(build_data(x), ivf(1000))
    manifest = store.read_manifest()
    assert manifest["dense_index"] == "ivf"
    assert manifest["dense_params"]["nlist"] == ivf_lists(1500, 4.0)
    assert manifest["dense_params"]["storage"] == "float16"
    loaded = store.load(nprobe=5)
    assert loaded.dense.kind == "ivf"
    assert loaded.dense.index.nprobe == 5
    assert loaded.dense.vectors is loaded.passage_vectors
    assert recall(store.load().dense, x, queries) >= 0.98  # the nprobe it was built with

    store.write(build_data(x), ivf(2000))
    assert store.read_manifest()["dense_index"] == "flat"
    assert store.read_manifest()["dense_params"] == {}


def test_indexes_written_before_dense_params_still_load(
    data: tuple[Vectors, Vectors], tmp_path: Path
) -> None:
    """The previous code wrote ``dense_index`` (flat or hnsw) and no ``dense_params``."""
    x, queries = data
    store = IndexStore(tmp_path / "index")
    version = store.write(build_data(x[:500]), hnsw(100))
    path = tmp_path / "index" / version / "manifest.json"
    old = json.loads(path.read_text())
    del old["dense_params"]
    path.write_text(json.dumps(old))  # the manifest is not in its own checksum list
    loaded = store.load(ef_search=64)
    assert loaded.dense.kind == "hnsw"
    assert loaded.dense.index.hnsw.efSearch == 64
    assert loaded.dense.search(queries[0], K)[1].size == K
