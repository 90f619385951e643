"""Sections 1 and 2: ingest throughput, and search / ask latency on the five articles.

    .venv/bin/python -m bench.ingest_search [--section ingest|search|all]
        [--lee-articles 120] [--queries 200]

1. Ingest: ``Engine.ingest`` (chunk, embed passages *and* sentences, write the versioned index
   with BM25, load it back) on the five articles plus the first ``--lee-articles`` Lee news
   articles, against plain ``SentenceTransformer.encode`` (same model object, batch 32) on the
   same passage texts, in the same run. The int8 ONNX backend is measured too when installed.
2. Search: ``--queries`` queries (the question set cycled) against an index of the five
   articles: ``Engine.search`` (defaults), ``Engine.search`` without the second stage,
   ``Engine.ask`` (extractive), and the floor, i.e. embedding the query plus a raw faiss search
   of the same vectors for the same candidate pool.

Everything runs with one thread for torch, faiss and onnxruntime.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.common import emit
from bench.ingest import section_ingest
from bench.search import section_search


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--section", choices=["ingest", "search", "all"], default="all")
    p.add_argument("--lee-articles", type=int, default=60)
    p.add_argument("--queries", type=int, default=200)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    np.random.seed(0)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        if args.section in ("ingest", "all"):
            emit(section_ingest(args.lee_articles, Path(tmp) / "ingest"))
            emit()
        if args.section in ("search", "all"):
            emit(section_search(args.queries, Path(tmp) / "search"))
            emit()


if __name__ == "__main__":
    main()
