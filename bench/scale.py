"""Section 4: scale. Index build, disk, memory, search latency and ANN recall by corpus size.

    .venv/bin/python -m bench.scale [--sizes 10000,100000] [--real-size 10000]
        [--real-index DIR] [--dense-only 1000000] [--hnsw 32:80,32:200]
        [--build-threads 2] [--queries 200] [--workdir DIR]

The corpus is deterministic: the five articles, all of gensim's Lee news (about 830
passages), then WordNet 3.0 glosses (one short passage each, from Debian's wordnet-base) until
the size is reached. Sizes are passages.

* ``--real-size`` (10k) is ingested for real: ``Engine.ingest`` embeds every passage and
  sentence with the default model (a gloss's one sentence is the passage text itself, so it
  is embedded once and reused). ``--real-index`` reuses one an earlier ``--workdir`` run kept
  (it is then measured only if ``--sizes`` names it).
* Larger sizes reuse those real vectors and give every other passage a **synthetic** vector
  (see ``bench.data.synthetic_vectors``: a random mix of two real passage vectors plus noise);
  the index is written by the real ``IndexStore.write`` (IVF past 50k passages, BM25,
  checksums) and searched by the real ``Engine``, whose query vectors are real.
* ``--dense-only`` sizes (1M) have no texts: synthetic vectors only, raw faiss indexes only:
  exact ``IndexFlatIP``, the engine's default approximate index (IVF, float16) and, with
  ``--hnsw M:efConstruction,...``, HNSW graphs to compare (the 1M M=32 efConstruction=80
  graph takes 8-16 minutes). Builds use ``--build-threads`` faiss threads, searches one.

Each index is measured in a fresh child process (``--measure DIR``), so its RSS is the model
plus that index. Recall@10 is the approximate index ("ANN": IVF or HNSW) against exact
search, over 200 real query vectors (the question set plus Lee first sentences), at the
default search breadth and swept over nprobe (IVF) / efSearch (HNSW). float16 and int8
(scalar-quantised) columns give the recall cost of storing the vectors in fewer bytes
(exact search over rounded vectors).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    REPO,
    THREAD_ENV,
    cycle,
    dir_size_mb,
    emit,
    log,
    md_table,
    ms,
    peak_rss_mb,
    pin_threads,
    rss_mb,
    time_interleaved,
)
from bench.data import (
    Vectors,
    query_texts,
    scale_documents,
    synthetic_vectors,
    unit,
)
from bench.embedders import CachingEmbedder
from eval.harness import workdir_settings
from rag.engine import Engine
from rag.index.bm25 import BM25Index
from rag.index.chunking import chunk_document
from rag.index.corpus import corpus_fingerprint
from rag.index.dense import DenseIndex
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.ingest import chunking_params
from rag.index.store import BuildData, IndexStore
from rag.settings import IndexSettings, Settings
from rag.types import Document, Passage, SentenceRef

MODEL = "all-MiniLM-L6-v2"
K = 10


# --------------------------------------------------------------------------- corpus


def _chunk_all(
    docs: list[Document], settings: Settings
) -> tuple[list[Passage], list[SentenceRef], list[int]]:
    """Passages, sentences and, per sentence, the row of the first passage holding it."""
    c = settings.chunking
    passages: list[Passage] = []
    sentences: list[SentenceRef] = []
    owner: list[int] = []
    for d in docs:
        ps, ss = chunk_document(d.doc_id, d.text, d.body_start, c.max_tokens, c.overlap_sentences)
        first = len(passages)
        passages.extend(ps)
        for s in ss:
            row = next((first + i for i, p in enumerate(ps) if p.start <= s.start < p.end), first)
            owner.append(row)
            sentences.append(SentenceRef(d.doc_id, s.start, s.end, d.text[s.start : s.end]))
    return passages, sentences, owner


@contextmanager
def timed_builds() -> Iterator[dict[str, float]]:
    """Time DenseIndex.build and BM25Index.build inside IndexStore.write (bench-only patch)."""
    out: dict[str, float] = {}
    dense_build, bm25_build = DenseIndex.build, BM25Index.build

    def wrap(name: str, fn: Callable[..., Any]) -> Any:
        def inner(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                out[name] = time.perf_counter() - t0

        return inner

    DenseIndex.build = wrap("dense", dense_build)  # type: ignore[method-assign]
    BM25Index.build = wrap("bm25", bm25_build)  # type: ignore[method-assign]
    try:
        yield out
    finally:
        DenseIndex.build = dense_build  # type: ignore[method-assign]
        BM25Index.build = bm25_build  # type: ignore[method-assign]


# --------------------------------------------------------------------------- builds


def build_real(n: int, root: Path) -> dict[str, Any]:
    settings = workdir_settings(root)
    docs = scale_documents(n, settings)
    embedder = CachingEmbedder(get_embedder("sentence-transformers", MODEL, 1))
    engine = Engine(settings, embedder)
    pin_threads(1)
    log(f"scale {n:,}: real ingest of {len(docs):,} documents")
    t0 = time.perf_counter()
    with timed_builds() as parts:
        engine.ingest(documents=docs)
    wall = time.perf_counter() - t0
    return {
        "passages": len(engine.index.passages),
        "vectors": "real",
        "build_s": wall,
        "embed_s": embedder.seconds,
        "embedded": len(embedder.cache),
        "dense_s": parts.get("dense", 0.0),
        "bm25_s": parts.get("bm25", 0.0),
        "index": str(settings.index.dir),
    }


def build_synthetic(n: int, root: Path, real_index: Path) -> dict[str, Any]:
    settings = workdir_settings(root)
    real = IndexStore(real_index).load()
    pvec = {p.text: real.passage_vectors[i] for i, p in enumerate(real.passages)}
    svec = {s.text: real.sentence_vectors[i] for i, s in enumerate(real.sentences)}
    docs = scale_documents(n, settings)
    passages, sentences, owner = _chunk_all(docs, settings)
    log(f"scale {n:,}: {len(passages):,} passages, synthetic vectors for the unseen ones")
    missing = [i for i, p in enumerate(passages) if p.text not in pvec]
    fake = synthetic_vectors(real.passage_vectors, len(missing), seed=n)
    p_out = np.empty((len(passages), real.passage_vectors.shape[1]), dtype=np.float32)
    for i, p in enumerate(passages):
        if p.text in pvec:
            p_out[i] = pvec[p.text]
    p_out[missing] = fake
    s_out = np.stack([svec.get(s.text, p_out[owner[j]]) for j, s in enumerate(sentences)]).astype(
        np.float32
    )
    manifest = {
        "model_id": MODEL,
        "embedding_backend": "synthetic (bench/scale.py)",
        "dim": int(p_out.shape[1]),
        "chunking": chunking_params(settings),
        "corpus_fingerprint": corpus_fingerprint(docs),
        "documents": {d.doc_id: d.sha256 for d in docs},
    }
    data = BuildData(docs, passages, sentences, p_out, s_out, manifest)
    ix = settings.index
    t0 = time.perf_counter()
    with timed_builds() as parts:
        IndexStore(ix.dir).write(data, ix)
    wall = time.perf_counter() - t0
    return {
        "passages": len(passages),
        "vectors": f"{len(passages) - len(missing):,} real + {len(missing):,} synthetic",
        "build_s": wall,
        "embed_s": 0.0,
        "embedded": 0,
        "dense_s": parts.get("dense", 0.0),
        "bm25_s": parts.get("bm25", 0.0),
        "index": str(ix.dir),
    }


# --------------------------------------------------------------------------- measuring


def _recall(got: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(g) & set(e)) / len(e) for g, e in zip(got, exact, strict=True)]))


def _raw_search(index: Any, qv: np.ndarray, k: int) -> np.ndarray:
    ids: np.ndarray = index.search(qv, k)[1]
    return ids


NPROBE_SWEEP = (8, 16, 32, 64, 128, 256)
EF_SWEEP = (32, 64, 128, 256, 512)


def _knob(dense: DenseIndex) -> tuple[str, tuple[int, ...]]:
    return ("nprobe", NPROBE_SWEEP) if dense.kind == "ivf" else ("efSearch", EF_SWEEP)


def _set_knob(dense: DenseIndex, value: int) -> None:
    if dense.kind == "ivf":
        dense.index.nprobe = min(value, dense.index.nlist)
    else:
        dense.index.hnsw.efSearch = value


def _sweep(dense: DenseIndex, qv: np.ndarray, exact: np.ndarray) -> dict[str, list[float]]:
    """Recall@10 and raw search p50 (ms, k=10) of an IVF index by nprobe / HNSW by efSearch."""
    _, values = _knob(dense)
    saved = dense.index.nprobe if dense.kind == "ivf" else dense.index.hnsw.efSearch
    out: dict[str, list[float]] = {}
    for v in values:
        _set_knob(dense, v)
        t = time_interleaved(
            [("s", lambda i: dense.index.search(qv[i : i + 1], K))], range(len(qv))
        )
        out[str(v)] = [_recall(_raw_search(dense.index, qv, K), exact), t["s"].p50]
    _set_knob(dense, saved)
    return out


def _storage_recall(vecs: Vectors, qv: np.ndarray, exact: np.ndarray) -> dict[str, float]:
    """Recall@10 (vs fp32 exact) of exact search over vectors stored as fp16 and as int8."""
    import faiss

    out: dict[str, float] = {}
    f16 = faiss.IndexFlatIP(vecs.shape[1])
    f16.add(vecs.astype(np.float16).astype(np.float32))
    out["fp16"] = _recall(_raw_search(f16, qv, K), exact)
    del f16
    sq8 = faiss.IndexScalarQuantizer(
        vecs.shape[1], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    sq8.train(vecs)
    sq8.add(vecs)
    out["sq8"] = _recall(_raw_search(sq8, qv, K), exact)
    return out


def _file_mb(dense: DenseIndex) -> float:
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        dense.save(Path(tmp) / "dense.faiss")
        return (Path(tmp) / "dense.faiss").stat().st_size / 2**20


def _describe(dense: DenseIndex) -> str:
    """``ivf nlist=4000 nprobe=64 float16`` and the like, from the recorded parameters."""
    p = dense.params
    if dense.kind == "ivf":
        return f"IVF nlist={p['nlist']} nprobe={p['nprobe']} {p['storage']}"
    if dense.kind == "hnsw":
        return f"HNSW M={p['m']} efC={p['ef_construction']} efSearch={p['ef_search']}"
    return "flat (exact)"


def measure_index(index_dir: Path, n_queries: int) -> dict[str, Any]:
    """Run in a fresh process: load the index with the engine and time searches.

    "ann" is the approximate index the engine serves past the threshold; where it serves
    the exact one (10k), the default approximate index is built here to compare.
    """
    settings = Settings().with_paths(index=index_dir)
    embedder = get_embedder("sentence-transformers", MODEL, 1)
    pin_threads(1)
    embedder.embed_query("warm up")
    rss_model = rss_mb()
    engine = Engine(settings, embedder)
    t0 = time.perf_counter()
    idx = engine.load()
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    engine.warm()
    n = len(idx.passages)
    qs = query_texts(n_queries)
    qv = np.stack([embedder.embed_query(q) for q in qs]).astype(np.float32)
    served = idx.dense
    flat = DenseIndex.build(
        idx.passage_vectors, settings.index.model_copy(update={"ann_threshold": n})
    )
    t0 = time.perf_counter()
    every = settings.index.model_copy(update={"ann_threshold": 0})
    ann = served if served.kind != "flat" else DenseIndex.build(idx.passage_vectors, every)
    ann_build_s = time.perf_counter() - t0 if served.kind == "flat" else None
    exact = _raw_search(flat.index, qv, K)
    recall = _recall(_raw_search(ann.index, qv, K), exact)
    sweep = _sweep(ann, qv, exact)
    storage = _storage_recall(idx.passage_vectors, qv, exact)
    qmap = {q: qv[i : i + 1] for i, q in enumerate(qs)}
    pool = settings.retrieval.candidates

    def with_dense(d: DenseIndex) -> Callable[[str], Any]:
        def run(q: str) -> Any:
            idx.dense = d
            return engine.search(q)

        return run

    def ask_served(q: str) -> Any:
        idx.dense = served
        return engine.ask(q)

    ops: list[tuple[str, Callable[[str], Any]]] = [
        ("floor_flat", lambda q: flat.index.search(embedder.embed_query(q).reshape(1, -1), pool)),
        ("floor_ann", lambda q: ann.index.search(embedder.embed_query(q).reshape(1, -1), pool)),
        ("search_flat", with_dense(flat)),
        ("search_ann", with_dense(ann)),
        ("faiss_flat", lambda q: flat.index.search(qmap[q], pool)),
        ("faiss_ann", lambda q: ann.index.search(qmap[q], pool)),
        ("bm25", idx.bm25.scores),
        ("ask_served", ask_served),
    ]
    timings = time_interleaved(ops, cycle(qs, n_queries))
    idx.dense = served
    dense_file = idx.path / "dense.faiss"
    return {
        "passages": n,
        "served_kind": served.kind,
        "served": _describe(served),
        "ann": _describe(ann),
        "ann_kind": ann.kind,
        "load_s": load_s,
        "rss_model_mb": rss_model,
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
        "disk_mb": dir_size_mb(idx.path),
        "dense_file_mb": dense_file.stat().st_size / 2**20,
        "recall_ann": recall,
        "recall_fp16": storage["fp16"],
        "recall_sq8": storage["sq8"],
        "ann_build_s": ann_build_s,
        "sweep": sweep,
        "lat": {k: [t.p50, t.p95] for k, t in timings.items()},
    }


def _floor_timings(
    flat: DenseIndex, ann: DenseIndex, embedder: Embedder, qs: list[str], n_queries: int
) -> dict[str, list[float]]:
    """p50/p95 ms of embed + raw search (the floor) and of the raw search alone, k=30."""
    pool = Settings().retrieval.candidates
    qmap = {q: embedder.embed_query(q).reshape(1, -1) for q in qs}

    def floor(d: DenseIndex) -> Callable[[str], Any]:
        return lambda q: d.index.search(embedder.embed_query(q).reshape(1, -1), pool)

    def raw(d: DenseIndex) -> Callable[[str], Any]:
        return lambda q: d.index.search(qmap[q], pool)

    ops = [
        ("floor_flat", floor(flat)),
        ("floor_ann", floor(ann)),
        ("faiss_flat", raw(flat)),
        ("faiss_ann", raw(ann)),
    ]
    timings = time_interleaved(ops, cycle(qs, n_queries))
    return {k: [t.p50, t.p95] for k, t in timings.items()}


def _hnsw_specs(text: str) -> list[tuple[int, int]]:
    """``"32:80,32:200"`` -> [(M, efConstruction), ...]."""
    return [(int(m), int(e)) for m, e in (p.split(":") for p in text.split(",") if p.strip())]


def measure_dense_only(
    n: int, real_index: Path, n_queries: int, hnsw: str = "", build_threads: int = 2
) -> dict[str, Any]:
    """Synthetic vectors only, raw faiss only (run in a fresh process).

    Builds the exact index, the engine's default approximate index (IVF) and, if asked,
    HNSW indexes (``hnsw="M:efConstruction,..."``) on ``build_threads`` threads; searches
    on one thread.
    """
    embedder = get_embedder("sentence-transformers", MODEL, 1)
    pin_threads(1)
    embedder.embed_query("warm up")
    qs = query_texts(n_queries)
    qv = np.stack([embedder.embed_query(q) for q in qs]).astype(np.float32)
    store = IndexStore(real_index)
    real = np.load(real_index / str(store.current_version()) / "passage_vectors.npy")
    rss0 = rss_mb()
    vecs = synthetic_vectors(unit(real), n, seed=n)
    rss_vecs = rss_mb()
    ix = Settings().index
    pin_threads(build_threads)
    t0 = time.perf_counter()
    flat = DenseIndex.build(vecs, ix.model_copy(update={"ann_threshold": n}))
    flat_s = time.perf_counter() - t0
    rss_flat = rss_mb()
    exact = _raw_search(flat.index, qv, K)
    storage = _storage_recall(vecs, qv, exact)
    anns: list[dict[str, Any]] = []
    specs: list[IndexSettings] = [ix.model_copy(update={"ann_threshold": 0, "ann": "ivf"})]
    for m, efc in _hnsw_specs(hnsw):
        update = {"ann_threshold": 0, "ann": "hnsw", "hnsw_m": m, "hnsw_ef_construction": efc}
        specs.append(ix.model_copy(update=update))
    for spec in specs:
        pin_threads(build_threads)
        rss_before = rss_mb()
        log(f"dense-only {n:,}: building {spec.ann} on {build_threads} thread(s)")
        t0 = time.perf_counter()
        ann = DenseIndex.build(vecs, spec)
        build_s = time.perf_counter() - t0
        ann.vectors = None  # do not count the shared float32 rows
        rss_ann = rss_mb() - rss_before
        pin_threads(1)
        anns.append(
            {
                "ann": _describe(ann),
                "ann_kind": ann.kind,
                "build_s": build_s,
                "index_mb": rss_ann,
                "file_mb": _file_mb(ann),
                "recall": _recall(_raw_search(ann.index, qv, K), exact),
                "sweep": _sweep(ann, qv, exact),
                "lat": _floor_timings(flat, ann, embedder, qs, n_queries),
            }
        )
        del ann
    return {
        "passages": n,
        "build_threads": build_threads,
        "vectors_mb": rss_vecs - rss0,
        "flat_mb": rss_flat - rss_vecs,
        "flat_build_s": flat_s,
        "peak_rss_mb": peak_rss_mb(),
        "recall_fp16": storage["fp16"],
        "recall_sq8": storage["sq8"],
        "anns": anns,
    }


def _child(args: list[str], timeout: float) -> dict[str, Any]:
    env = {**os.environ, **THREAD_ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scale", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.scale {' '.join(args)} failed with {proc.returncode}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- tables


def _lat(m: dict[str, Any], key: str) -> str:
    p50, p95 = m["lat"][key]
    return f"{ms(p50)} / {ms(p95)}"


def build_table(builds: list[dict[str, Any]]) -> str:
    rows = [
        [
            f"{b['passages']:,}",
            b["vectors"],
            f"{b['build_s']:.1f}",
            f"{b['embed_s']:.1f}" if b["embedded"] else "–",
            f"{b['embedded']:,}" if b["embedded"] else "–",
            f"{b['dense_s']:.2f}",
            f"{b['bm25_s']:.1f}",
        ]
        for b in builds
    ]
    head = ["passages", "vectors", "build s", "embed s", "texts embedded", "dense s", "BM25 s"]
    return md_table(head, rows)


def measure_table(ms_: list[dict[str, Any]]) -> str:
    rows = []
    for m in ms_:
        n = m["passages"]
        side = "ann" if m["served_kind"] != "flat" else "flat"
        floor = m["lat"][f"floor_{side}"][0]
        search = m["lat"][f"search_{side}"][0]
        rows.append(
            [
                f"{n:,}",
                m["served"],
                f"{m['disk_mb']:.1f}",
                f"{m['dense_file_mb']:.1f}",
                f"{m['load_s']:.1f}",
                f"{m['rss_loaded_mb']:,.0f}",
                f"{(m['rss_loaded_mb'] - m['rss_model_mb']) * 1024 / n:.1f}",
                _lat(m, "floor_flat"),
                _lat(m, "floor_ann"),
                _lat(m, "search_flat"),
                _lat(m, "search_ann"),
                f"{search / floor:.2f}x",
                _lat(m, "ask_served") if "ask_served" in m["lat"] else "-",
                _lat(m, "faiss_flat"),
                _lat(m, "faiss_ann"),
                _lat(m, "bm25"),
                f"{m['ann']}: {m['recall_ann']:.3f}",
                f"{m['recall_fp16']:.3f}",
                f"{m['recall_sq8']:.3f}",
            ]
        )
    head = [
        "passages",
        "served index",
        "disk MiB",
        "dense.faiss MiB",
        "load s",
        "RSS MiB",
        "KiB/passage",
        "floor flat p50/p95 ms",
        "floor ANN",
        "Engine.search flat",
        "Engine.search ANN",
        "search ÷ floor (served)",
        "Engine.ask (served, extractive)",
        "raw faiss flat",
        "raw faiss ANN",
        "BM25 scores",
        "ANN R@10",
        "fp16 R@10",
        "int8 R@10",
    ]
    return md_table(head, rows)


def dense_table(ds: list[dict[str, Any]]) -> str:
    rows = [
        [
            f"{d['passages']:,}",
            a["ann"],
            f"{a['build_s']:.0f}",
            f"{a['index_mb']:,.0f}",
            f"{a['file_mb']:,.0f}",
            f"{a['file_mb'] * 2**20 / d['passages']:,.0f}",
            _lat(a, "floor_flat"),
            _lat(a, "floor_ann"),
            _lat(a, "faiss_flat"),
            _lat(a, "faiss_ann"),
            f"{a['recall']:.3f}",
        ]
        for d in ds
        for a in d["anns"]
    ]
    head = [
        "vectors",
        "index",
        f"build s ({ds[0]['build_threads'] if ds else 1} threads)",
        "index RSS MiB",
        "file MiB",
        "bytes/vector",
        "floor flat p50/p95 ms",
        "floor ANN",
        "raw faiss flat",
        "raw faiss ANN",
        "R@10",
    ]
    extra = [
        [
            f"{d['passages']:,}",
            f"{d['flat_build_s']:.1f}",
            f"{d['vectors_mb']:,.0f}",
            f"{d['flat_mb']:,.0f}",
            f"{d['recall_fp16']:.3f}",
            f"{d['recall_sq8']:.3f}",
        ]
        for d in ds
    ]
    head2 = ["vectors", "flat build s", "vectors MiB", "flat MiB", "fp16 R@10", "int8 R@10"]
    return md_table(head, rows) + "\n\n" + md_table(head2, extra)


def sweep_table(items: list[tuple[int, str, dict[str, list[float]]]]) -> str:
    """One row per (passages, index); R@10 / p50 ms by nprobe (IVF) or efSearch (HNSW)."""
    rows = []
    for n, name, sweep in items:
        knob = "nprobe" if name.startswith("IVF") else "efSearch"
        cells = [f"{knob} {k}: {v[0]:.3f} / {ms(v[1])}" for k, v in sweep.items()]
        rows.append([f"{n:,}", name, *cells])
    width = max((len(r) for r in rows), default=2)
    rows = [r + [""] * (width - len(r)) for r in rows]
    head = ["passages", "index", *["R@10 / p50 ms"] * (width - 2)]
    return md_table(head, rows)


def run(
    sizes: list[int],
    real_size: int,
    dense_only: list[int],
    n_queries: int,
    workdir: Path,
    real_index: Path | None = None,
    keep: bool = False,
    hnsw: str = "",
    build_threads: int = 2,
) -> None:
    reused = real_index is not None
    if real_index is None:
        builds = [build_real(real_size, workdir / f"p{real_size}")]
        real_index = Path(builds[0]["index"])
    else:
        builds = []  # reuse an index an earlier run embedded for real
    for n in sizes:
        if n != real_size:
            builds.append(build_synthetic(n, workdir / f"p{n}", real_index))
    emit("## 4. Scale\n")
    if builds:
        emit(f"### Index build\n\n{build_table(builds)}\n")
    to_measure = [(b["passages"], b["index"]) for b in builds]
    if reused and real_size in sizes:
        to_measure.insert(0, (real_size, str(real_index)))  # measured, not rebuilt
    measured = []
    for n, index in to_measure:
        log(f"scale {n:,}: measuring in a fresh process")
        args = ["--measure", index, "--queries", str(n_queries)]
        measured.append(_child(args, 900 + n / 500))
    if measured:
        emit(f"### Serving (fresh process per index; {n_queries} queries)\n")
        emit(measure_table(measured) + "\n")
        emit("### ANN recall@10 against exact search by search breadth (raw faiss, k=10)\n")
        emit(sweep_table([(m["passages"], m["ann"], m["sweep"]) for m in measured]) + "\n")
    for n in sizes:
        if n != real_size and not keep:
            shutil.rmtree(workdir / f"p{n}", ignore_errors=True)
    if dense_only:
        ds = []
        for n in dense_only:
            log(f"dense-only {n:,}: measuring in a fresh process")
            args = ["--dense-measure", str(n), "--real-index", str(real_index)]
            args += ["--hnsw", hnsw, "--build-threads", str(build_threads)]
            ds.append(_child([*args, "--queries", str(n_queries)], 7200))
        emit("### Dense only, synthetic vectors (raw faiss; no texts, no BM25)\n")
        emit(dense_table(ds) + "\n")
        items = [(d["passages"], a["ann"], a["sweep"]) for d in ds for a in d["anns"]]
        emit(sweep_table(items) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Index build, memory and search latency by size")
    p.add_argument("--sizes", default="10000,100000", help="passages, comma-separated")
    p.add_argument("--real-size", type=int, default=10_000, help="size embedded for real")
    p.add_argument("--dense-only", default="", help="sizes for the raw faiss rows (e.g. 1000000)")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--workdir", type=Path, default=None, help="indexes are kept if given")
    p.add_argument(
        "--real-index", type=Path, help="reuse the --real-size index of an earlier --workdir run"
    )
    p.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    p.add_argument(
        "--hnsw", default="", help="HNSW M:efConstruction pairs for the dense-only rows (32:80)"
    )
    p.add_argument(
        "--build-threads", type=int, default=2, help="faiss threads for dense-only builds"
    )
    p.add_argument("--dense-measure", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.measure:
        print(json.dumps(measure_index(args.measure, args.queries)), flush=True)
        return
    if args.dense_measure:
        result = measure_dense_only(
            args.dense_measure, args.real_index, args.queries, args.hnsw, args.build_threads
        )
        print(json.dumps(result), flush=True)
        return
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not args.real_index:
        sizes = sorted({*sizes, args.real_size})  # built first: the others reuse its vectors
    dense = [int(s) for s in args.dense_only.split(",") if s.strip()]
    if args.workdir:
        run(
            sizes,
            args.real_size,
            dense,
            args.queries,
            args.workdir,
            args.real_index,
            True,
            args.hnsw,
            args.build_threads,
        )
    else:
        with tempfile.TemporaryDirectory(prefix="rag-bench-scale-") as tmp:
            run(
                sizes,
                args.real_size,
                dense,
                args.queries,
                Path(tmp),
                args.real_index,
                False,
                args.hnsw,
                args.build_threads,
            )


if __name__ == "__main__":
    main()
