"""Scale benchmark, the Markdown tables of its builds, serving rows, dense-only rows, sweeps."""

from __future__ import annotations

from typing import Any

from bench.common import md_table, ms


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
