"""The ingest row of `make bench`: Engine.ingest (passages and sentences, its defaults) against
plain sentence-transformers `encode` of the passages alone with two torch threads.

    python -m bench.ingest_ratio [--lee-articles 30]

Same model object, same passage texts (the engine's chunks), same process; the plain encode
runs twice after the engine and the faster run counts. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.common import log, pin_threads, stopwatch
from bench.data import five_documents, lee_documents
from bench.ingest import _settings
from rag.engine import Engine
from rag.index.embedding import get_embedder
from rag.types import Document


def _documents(lee: int) -> list[Document]:
    try:
        return five_documents() + lee_documents(lee)
    except Exception as exc:  # gensim (its Lee data) is optional: `make bench` installs it
        log(f"ingest: Lee articles unavailable ({exc}); the five articles only")
        return five_documents()


def measure(lee: int, workdir: Path) -> dict[str, Any]:
    docs = _documents(lee)
    st = get_embedder("sentence-transformers", "all-MiniLM-L6-v2", 1)
    model: Any = st.model  # type: ignore[attr-defined]
    pin_threads(1)
    st.embed(["warm up the model"] * 32)
    engine = Engine(_settings(workdir), st)

    def plain() -> float:
        texts = [p.text for p in engine.index.passages]
        pin_threads(2)
        _, secs = stopwatch(
            lambda: model.encode(
                texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
            )
        )
        pin_threads(1)
        return secs

    _, engine_s = stopwatch(lambda: engine.ingest(documents=docs))
    n_p, n_s = len(engine.index.passages), len(engine.index.sentences)
    plain_s = min(plain(), plain())
    log(
        f"ingest: engine {engine_s:.2f} s ({n_p} passages + {n_s} sentences), plain {plain_s:.2f} s"
    )
    return {
        "documents": len(docs),
        "passages": n_p,
        "sentences": n_s,
        "engine_s": engine_s,
        "plain_2_threads_s": plain_s,
        "ratio": (n_p / engine_s) / (n_p / plain_s),
    }


def main() -> None:
    p = argparse.ArgumentParser(description="Engine.ingest vs plain encode, 2 threads")
    p.add_argument("--lee-articles", type=int, default=30)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        print(json.dumps(measure(args.lee_articles, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
