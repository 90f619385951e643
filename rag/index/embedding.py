"""The torch embedder (sentence-transformers) and the embedder factory: the only torch module."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.embedder import (
    Embedder,
    EmbeddingError,
    Progress,
    SplitEmbedder,
    Vectors,
    _by_length,
    _normalise,
    _TokenModel,
    minilm_path,
)
from rag.index.onnx import OnnxInt8Embedder

log = logging.getLogger(__name__)


# Weights come from site-packages; a hub lookup would fail on these machines anyway.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def set_threads(n: int) -> None:
    """One intra-op thread per request is fastest on these 2-core machines."""
    import torch

    torch.set_num_threads(n)


def _pooling_mode(pooling: Any) -> str:
    """sentence-transformers 6 names the mode; older versions had one flag per mode."""
    mode = getattr(pooling, "pooling_mode", None)
    if isinstance(mode, str):
        return mode
    return "mean" if getattr(pooling, "pooling_mode_mean_tokens", False) else "other"


class SentenceTransformerEmbedder(_TokenModel):
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
        self._fast = self._mean_pooled()

    def _mean_pooled(self) -> bool:
        """True when the model is Transformer -> mean Pooling -> Normalize (MiniLM, mpnet):
        then our own batched forward pass gives `encode`'s vectors and can run in threads."""
        from sentence_transformers.models import Normalize, Pooling

        mods = list(self.model)
        return (
            len(mods) == 3
            and isinstance(mods[1], Pooling)
            and _pooling_mode(mods[1]) == "mean"
            and isinstance(mods[2], Normalize)
        )

    def _forward(self, texts: Sequence[str]) -> tuple[Vectors, np.ndarray, np.ndarray]:
        """Token vectors (batch, tokens, dim), attention mask and char offsets per token."""
        import torch

        with self._lock:  # a fast tokenizer is not safe to call from two threads at once
            enc = self.model.tokenizer(
                list(texts),
                padding=True,
                truncation=True,
                max_length=self.max_seq_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
        offsets = enc.pop("offset_mapping").numpy()
        transformer: Any = self.model[0].auto_model
        with torch.inference_mode():
            hidden = transformer(**enc).last_hidden_state.float().numpy()
        return hidden, enc["attention_mask"].numpy(), offsets

    def _encode(self, texts: Sequence[str], batch_size: int, progress: Progress | None) -> Vectors:
        """sentence-transformers' own encode, for models our forward pass does not cover."""
        out = np.zeros((len(texts), self.dim), np.float32)
        for rows in _by_length(texts, batch_size):
            vecs = self.model.encode(
                [texts[i] for i in rows],
                batch_size=len(rows),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[rows] = np.asarray(vecs, dtype=np.float32)
            if progress:
                progress(len(rows))
        return out

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


_CACHE: dict[tuple[str, int], Embedder] = {}
_CACHE_LOCK = threading.Lock()
BACKENDS = ("sentence-transformers", "onnx-int8")


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


def _loaded(backend: str, model_id: str, threads: int) -> Embedder:
    with _CACHE_LOCK:
        return _load(backend, model_id, threads)


def get_embedder(
    backend: str, model_id: str, threads: int = 1, query_backend: str = "same"
) -> Embedder:
    """One embedder per (backend, threads) per process: models are loaded once.

    `query_backend` other than "same" embeds queries with that implementation instead; the
    document model (`backend`) is then loaded on first use unless it already is, so a
    process that only answers queries never imports torch (see SplitEmbedder).
    """
    if backend not in BACKENDS or query_backend not in (*BACKENDS, "same"):
        raise EmbeddingError(f"unknown embedding backend {backend!r} or {query_backend!r}")
    with _CACHE_LOCK:
        if query_backend in ("same", backend):
            return _load(backend, model_id, threads)
        queries = _load(query_backend, model_id, threads)
        docs = _CACHE.get((backend, threads))
    if docs is not None:
        return SplitEmbedder(docs, queries)
    return SplitEmbedder.lazy(lambda: _loaded(backend, model_id, threads), queries)
