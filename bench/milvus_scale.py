"""Embedded index vs Milvus, one run: search latency and recall@10 against exact search.

    .venv/bin/python -m bench.milvus_scale --real-index /tmp/scale/p10000/index \\
        [--sizes 10000,100000] [--dense-only 1000000] [--queries 200] [--uri http://h:19530]

For each size, one index: the real 10k one (``bench.scale --workdir``), or past it
``bench.scale_build.build_synthetic``'s (the same texts, real vectors plus synthetic ones).
An Engine loads it from the embedded store; ``MilvusStore.write`` writes the same rows into a
milvus-lite server this run starts on a free loopback port (or ``--uri``), and a second
Engine serves from there. Both share one embedder on one thread. Interleaved over the same
real queries: each store's dense top-k and BM25 top-k (k = the retrieval candidates) and
``Engine.search`` end to end. Recall@10 is each store's dense top 10 against exact inner
product (faiss ``IndexFlatIP`` over the same vectors).

``--dense-only`` sizes (1M) have no texts: synthetic vectors in a collection of (id, vector)
against the engine's default approximate faiss index; the insert stops after
``--max-insert-s`` and reports its rate if it cannot finish.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import cycle, emit, free_port, log, pin_threads, time_interleaved
from bench.data import query_texts, synthetic_vectors
from bench.milvus_calls import CallLog, calls_table
from bench.scale_build import MODEL, build_synthetic
from bench.scale_measure import K, raw_search, recall_vs_exact
from rag.engine import Engine
from rag.index.dense import DenseIndex
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.milvus import QUIET_KEEPALIVE, MilvusStore
from rag.index.seam import BuildData, LoadedIndex
from rag.index.store import IndexStore
from rag.settings import Settings, StoreSettings


def _load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


@contextmanager
def milvus_server(data: Path) -> Iterator[str]:
    """A milvus-lite server on a free loopback port, stopped on exit."""
    from pymilvus import MilvusClient

    port = free_port()
    cmd = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data)]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # quiet keepalive, and closed: pymilvus shares one connection per address, and
                # an idle default one is sent GOAWAY too_many_pings during a long build
                ready = MilvusClient(uri=uri, timeout=5, grpc_options=QUIET_KEEPALIVE)
                ready.list_collections()
                ready.close()
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("milvus-lite server did not start") from None
                time.sleep(0.2)
        yield uri
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def _milvus(uri: str, work: Path) -> Iterator[str]:
    """``uri`` if given, else a milvus-lite server of this run."""
    if uri:
        yield uri
        return
    with milvus_server(work / "milvus") as started:
        yield started


@contextmanager
def _no_readings() -> Iterator[None]:
    """Build without the per-sentence spaCy readings (only ``ask`` reads them; parsing 100k
    sentences takes longer than the rest of the build). Bench-only patch."""
    import rag.index.store as store

    def empty(folder: Path, sentences: object, published: Path | None = None) -> None:
        (folder / "readings.jsonl").write_text("")

    names = store.__dict__
    saved = names["write_readings"]
    names["write_readings"] = empty
    try:
        yield
    finally:
        names["write_readings"] = saved


def _data(index: LoadedIndex) -> BuildData:
    keep = {k: v for k, v in index.manifest.items() if k not in ("files", "version", "counts")}
    return BuildData(
        list(index.documents.values()),
        index.passages,
        index.sentences,
        index.passage_vectors,
        index.sentence_vectors,
        keep,
    )


def _engines(index_dir: Path, uri: str, n: int, embedder: Embedder) -> dict[str, Any]:
    """The embedded engine on ``index_dir`` and a Milvus one on the same rows."""
    embedded = Engine(Settings().with_paths(index=index_dir), embedder)
    t0 = time.perf_counter()
    emb_index = embedded.load()
    emb_load = time.perf_counter() - t0
    store = StoreSettings(backend="milvus", uri=uri, collection_prefix=f"bench{n}_")
    settings = Settings().with_paths(index=index_dir.parent / "milvus")
    settings = settings.model_copy(update={"store": store})
    log(f"milvus {n:,}: writing {len(emb_index.passages):,} passages (load {_load()})")
    t0 = time.perf_counter()
    MilvusStore(store, settings.index.dir).write(_data(emb_index))
    write_s = time.perf_counter() - t0
    milvus = Engine(settings, embedder)
    assert isinstance(milvus.store, MilvusStore)
    calls = CallLog(milvus.store.client)
    milvus.store.client = calls
    t0 = time.perf_counter()
    mil_index = milvus.load()
    mil_load = time.perf_counter() - t0
    assert mil_index.passages == emb_index.passages, "the two stores must hold the same rows"
    return {
        "embedded": embedded,
        "milvus": milvus,
        "calls": calls,
        "write_s": write_s,
        "load_s": [emb_load, mil_load],
    }


def measure_size(n: int, index_dir: Path, uri: str, n_queries: int) -> dict[str, Any]:
    embedder = get_embedder("sentence-transformers", MODEL, 1)
    pin_threads(1)
    before = _load()
    e = _engines(index_dir, uri, n, embedder)
    emb, mil = e["embedded"], e["milvus"]
    ei, mi = emb.index, mil.index
    qs = query_texts(n_queries)
    qv = {q: embedder.embed_query(q) for q in qs}
    flat = DenseIndex.build(
        ei.passage_vectors,
        emb.settings.index.model_copy(update={"ann_threshold": len(ei.passages)}),
    )
    exact = raw_search(flat.index, np.stack([qv[q] for q in qs]), K)
    recall = {
        name: recall_vs_exact(np.stack([ix.dense_top_k(qv[q], K)[1] for q in qs]), exact)
        for name, ix in (("embedded", ei), ("milvus", mi))
    }
    pool = emb.settings.retrieval.candidates
    ops = [
        ("dense_embedded", lambda q: ei.dense_top_k(qv[q], pool)),
        ("dense_milvus", lambda q: mi.dense_top_k(qv[q], pool)),
        ("bm25_embedded", lambda q: ei.lexical_top_k(q, pool)),
        ("bm25_milvus", lambda q: mi.lexical_top_k(q, pool)),
        ("search_embedded", emb.search),
        ("search_milvus", e["calls"].counted(mil.search)),
    ]
    log(f"milvus {n:,}: timing {n_queries} queries (load {_load()})")
    timings = time_interleaved(ops, cycle(qs, n_queries))
    return {
        "passages": len(ei.passages),
        "served": str(ei.manifest.get("dense_index", "")),
        "write_s": e["write_s"],
        "load_s": e["load_s"],
        "recall": recall,
        "lat": {k: [t.p50, t.p95] for k, t in timings.items()},
        "calls": e["calls"].per_search(),
        "loadavg": [before, _load()],
    }


def measure_dense_only(
    n: int, real_index: Path, uri: str, n_queries: int, max_insert_s: float
) -> dict[str, Any]:
    """Vectors only: a Milvus collection of (id, vector) against the engine's faiss index."""
    from pymilvus import DataType, MilvusClient

    embedder = get_embedder("sentence-transformers", MODEL, 1)
    pin_threads(1)
    before = _load()
    real = IndexStore(real_index).load().passage_vectors
    vecs = np.concatenate([real, synthetic_vectors(real, n - len(real), seed=n)])[:n]
    client = MilvusClient(uri=uri, timeout=600, grpc_options=QUIET_KEEPALIVE)
    name = f"bench_dense_{n}"
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=vecs.shape[1])
    params = MilvusClient.prepare_index_params()
    params.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
    t0, done, batch = time.perf_counter(), 0, 2000
    while done < n and time.perf_counter() - t0 < max_insert_s:
        rows = [
            {"id": done + i, "vector": v.tolist()} for i, v in enumerate(vecs[done : done + batch])
        ]
        client.insert(name, rows)
        done += len(rows)
    insert_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "passages": n,
        "inserted": done,
        "insert_s": insert_s,
        "rate": done / insert_s,
        "loadavg": [before],
    }
    log(f"dense-only {n:,}: {done:,} inserted in {insert_s:.0f} s (load {_load()})")
    if done < n:
        client.drop_collection(name)
        out["loadavg"].append(_load())
        return out
    t0 = time.perf_counter()
    client.flush(name)
    client.load_collection(name)
    out["flush_load_s"] = time.perf_counter() - t0
    qs = query_texts(n_queries)
    qm = np.stack([embedder.embed_query(q) for q in qs]).astype(np.float32)
    flat = DenseIndex.build(vecs, Settings().index.model_copy(update={"ann_threshold": n}))
    ann = DenseIndex.build(vecs, Settings().index)
    exact = raw_search(flat.index, qm, K)

    def milvus_top(i: int, k: int = K) -> list[int]:
        hits = client.search(
            name,
            data=[qm[i].tolist()],
            anns_field="vector",
            limit=k,
            search_params={"metric_type": "IP"},
        )[0]
        return [int(h["id"]) for h in hits]

    out["recall"] = {
        "embedded": recall_vs_exact(raw_search(ann.index, qm, K), exact),
        "milvus": recall_vs_exact(np.array([milvus_top(i) for i in range(len(qs))]), exact),
    }
    pool = Settings().retrieval.candidates
    ops = [
        ("dense_embedded", lambda i: ann.index.search(qm[i : i + 1], pool)),
        ("dense_milvus", lambda i: milvus_top(i, pool)),
    ]
    timings = time_interleaved(ops, list(range(len(qs))))
    out["lat"] = {k: [t.p50, t.p95] for k, t in timings.items()}
    out["served"] = str(ann.kind)
    out["loadavg"].append(_load())
    client.drop_collection(name)
    return out


def _cell(lat: dict[str, list[float]], key: str) -> str:
    v = lat.get(key)
    return "–" if v is None else f"{v[0]:.2f} / {v[1]:.2f}"


def _ratio(lat: dict[str, list[float]]) -> str:
    if "search_milvus" in lat:
        return f"{lat['search_milvus'][0] / lat['search_embedded'][0]:.2f}x"
    if "dense_milvus" in lat:
        return f"{lat['dense_milvus'][0] / lat['dense_embedded'][0]:.2f}x (dense)"
    return "–"


def _write(r: dict[str, Any]) -> str:
    secs = r.get("write_s", r.get("insert_s", 0.0))
    done = r.get("inserted", r["passages"])
    out = f"{secs:.0f} ({done / secs:,.0f}/s)"
    return out + (f", stopped at {done:,}" if done < r["passages"] else "")


def table(rows: list[dict[str, Any]]) -> str:
    out = [
        "| passages | store | write s (passages/s) | dense top-k p50 / p95 ms | "
        "BM25 top-k p50 / p95 ms | Engine.search p50 / p95 ms | dense recall@10 vs exact | "
        "search p50 Milvus / embedded | load average before; after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lat = r.get("lat", {})
        for store in ("embedded", "milvus"):
            rec = r.get("recall", {}).get(store)
            milvus = store == "milvus"
            name = f"embedded ({r.get('served', '')})" if not milvus else "milvus-lite server"
            out.append(
                f"| {r['passages']:,} | {name} | {_write(r) if milvus else '–'} | "
                f"{_cell(lat, 'dense_' + store)} | {_cell(lat, 'bm25_' + store)} | "
                f"{_cell(lat, 'search_' + store)} | {'–' if rec is None else f'{rec:.3f}'} | "
                f"{_ratio(lat) if milvus else ''} | {'; '.join(r['loadavg'])} |"
            )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Embedded index vs Milvus: search and recall")
    p.add_argument(
        "--real-index", type=Path, required=True, help="a real 10k index (bench.scale --workdir)"
    )
    p.add_argument("--sizes", default="10000,100000", help="passages, comma-separated")
    p.add_argument("--dense-only", default="", help="vector-only sizes (e.g. 1000000)")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--max-insert-s", type=float, default=1200.0)
    p.add_argument("--uri", default="", help="a Milvus to use instead of a milvus-lite server")
    p.add_argument("--workdir", type=Path, default=None)
    p.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    args = p.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="rag-bench-milvus-"))
    rows: list[dict[str, Any]] = []
    with _milvus(args.uri, work) as uri:
        for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
            real = IndexStore(args.real_index).load()
            if n <= len(real.passages) + 1000:
                index_dir = args.real_index
            else:
                with _no_readings():
                    built = build_synthetic(n, work / f"p{n}", args.real_index)
                index_dir = Path(built["index"])
            del real
            rows.append(measure_size(n, index_dir, uri, args.queries))
            log(json.dumps(rows[-1]))
        for n in [int(s) for s in args.dense_only.split(",") if s.strip()]:
            rows.append(
                measure_dense_only(n, args.real_index, uri, args.queries, args.max_insert_s)
            )
            log(json.dumps(rows[-1]))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    emit(table(rows))
    emit(calls_table(rows))


if __name__ == "__main__":
    main()
