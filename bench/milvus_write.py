"""Writing a version's passages into a Milvus server: this process vs the Ray writer pool.

    .venv/bin/python -m bench.milvus_write [--rows 20000] [--writers 1,2] [--repeats 2] [--uri U]

The rows are the real passage rows `MilvusStore.write_version` makes (our BM25 tokens, the
engine's BM25 function, 384-dim vectors): Lee article passages cycled to `--rows`, with
synthetic vectors. Each write goes into a fresh collection of the passages schema on a
milvus-lite server this run starts (or `--uri`), and is timed from the first row to the
flush: the client batches of this process (what `rag ingest` does), then the
`rag.index.ray_write.RayInserter` pool for each `--writers` (its Ray runtime started before
the timer), alternating, medians of `--repeats`. The machine's load average is printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import emit, log, md_table
from bench.data import lee_documents, synthetic_vectors
from bench.machine import load_average
from bench.milvus_scale import milvus_server
from rag.index import milvus_rows as rows
from rag.index.chunking import chunk_document
from rag.index.ray_write import RayInserter
from rag.settings import RaySettings, StoreSettings


def passage_rows(n: int) -> list[dict[str, Any]]:
    docs = lee_documents(None)
    passages = [p for d in docs for p in chunk_document(d.doc_id, d.text, 0, 160, 0)[0]]
    by_id = {d.doc_id: d for d in docs}
    vecs = synthetic_vectors(np.eye(384, dtype=np.float32)[:8], n)
    picked = [passages[i % len(passages)] for i in range(n)]
    return list(rows.passage_rows(picked, by_id, vecs))


def _fresh(client: Any, prefix: str) -> str:
    import pymilvus

    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    schema, params = rows.passage_schema(pymilvus, 384)
    client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
    return name


def write_here(client: Any, name: str, todo: list[dict[str, Any]]) -> int:
    for i in range(0, len(todo), rows.BATCH):
        client.insert(name, todo[i : i + rows.BATCH])
    return len(todo)


def measure(uri: str, todo: list[dict[str, Any]], writers: list[int], repeats: int) -> str:
    import ray
    from pymilvus import MilvusClient

    from rag.index.milvus import QUIET_KEEPALIVE

    # quiet keepalive: this client idles while the pool writes (see rag.index.milvus)
    client = MilvusClient(uri=uri, timeout=120, grpc_options=QUIET_KEEPALIVE)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    seconds: dict[str, list[float]] = {}
    try:
        for r in range(repeats):
            modes: list[tuple[str, Any]] = [("this process", lambda n, t: write_here(client, n, t))]
            store = StoreSettings(backend="milvus", uri=uri)
            modes += [
                (f"Ray, {w} writers", RayInserter(RaySettings(writers=w), store)) for w in writers
            ]
            for label, insert in modes if r % 2 == 0 else modes[::-1]:
                name = _fresh(client, "bw_")
                t0 = time.perf_counter()
                assert insert(name, todo) == len(todo)
                client.flush(name)
                seconds.setdefault(label, []).append(time.perf_counter() - t0)
                client.drop_collection(name)
                log(f"{label}: {seconds[label][-1]:.1f} s")
    finally:
        ray.shutdown()
        client.close()
    base = statistics.median(seconds["this process"])
    out = []
    for label, s in seconds.items():
        med = statistics.median(s)
        out.append([label, f"{med:.1f}", f"{len(todo) / med:,.0f}", f"{base / med:.2f}x"])
    return md_table(["writer", "s (median)", "passages/s", "vs this process"], out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--writers", default="1,2")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--uri", default="")
    args = ap.parse_args(argv)
    todo = passage_rows(args.rows)
    writers = [int(w) for w in args.writers.split(",") if w]
    emit(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.uri:
            table = measure(args.uri, todo, writers, args.repeats)
        else:
            with milvus_server(Path(tmp) / "milvus") as uri:
                table = measure(uri, todo, writers, args.repeats)
    emit(f"{args.rows:,} passage rows, {args.repeats} repeats\n\n{table}")
    emit(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
