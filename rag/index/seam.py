"""The store seam: what retrieval needs from an index version, and where versions live.

Two back ends implement it: the embedded FAISS + bm25s files (``rag.index.store``, the
default) and Milvus (``rag.index.milvus``, ``RAG_STORE__BACKEND=milvus``). Fusion, second
stages, the answerer and briefings see a ``LoadedIndex`` and never which back end is behind
it.

Passage ids are rows: ``passages[i]``, ``passage_vectors[i]`` and the ids the two top-k
searches return all name the same passage.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from rag.settings import IndexSettings
from rag.types import Document, Passage, SentenceRef

if TYPE_CHECKING:
    from rag.index.bm25 import TermCounts

Vectors = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass
class BuildData:
    documents: list[Document]
    passages: list[Passage]
    sentences: list[SentenceRef]
    passage_vectors: Vectors
    sentence_vectors: Vectors
    manifest: dict[str, Any]
    terms: TermCounts | None = None  # given by an incremental update: BM25 from counts
    # An incremental update also says where its rows came from: per row, its row in the
    # version ``base_version`` (-1: new), so a store can keep what did not change.
    base_version: str | None = None
    passage_from: IntArray | None = None
    sentence_from: IntArray | None = None
    passage_sentences: list[range] | None = None  # the update's map, carried from the base


@dataclass(kw_only=True)
class LoadedIndex(abc.ABC):
    """One index version in memory: its rows, plus dense and lexical top-k over passages."""

    version: str
    path: Path  # a folder for per-version caches (readings); may not exist for remote stores
    manifest: dict[str, Any]
    documents: dict[str, Document]
    passages: list[Passage]
    sentences: list[SentenceRef]
    passage_vectors: Vectors
    sentence_vectors: Vectors
    passage_sentences: list[range]  # sentence rows inside each passage
    doc_passages: dict[str, IntArray]
    terms: TermCounts | None = None  # BM25 term counts, when the back end keeps them

    @property
    def model_id(self) -> str:
        return str(self.manifest["model_id"])

    @abc.abstractmethod
    def dense_top_k(
        self, qvec: Vectors, k: int, allowed: IntArray | None = None
    ) -> tuple[Vectors, IntArray]:
        """(scores, ids) of the ``k`` passages nearest ``qvec`` by inner product, best first;
        ``allowed`` (passage ids) restricts them."""

    @abc.abstractmethod
    def lexical_top_k(
        self, query: str, k: int, allowed: IntArray | None = None
    ) -> tuple[IntArray, Vectors]:
        """(ids, scores) of the ``k`` best passages by BM25 over our tokens, best first, only
        positive scores, ties by id; ``allowed`` restricts them."""


# Inserts a version's rows into one of its collections (its name, the rows) and returns how
# many it wrote: a store that lives elsewhere (Milvus) can take a pool of writers for a whole
# version (`rag ingest --runner ray`, rag.index.ray_write) instead of its own client.
Inserter = Callable[[str, list[dict[str, Any]]], int]


class Store(Protocol):
    """Where index versions live: read, write, publish (the commit point), prune.

    Writers hold ``lock()``; ``write_version`` builds a version nobody sees until
    ``publish`` makes it current in one step.
    """

    def current_version(self) -> str | None: ...

    def versions(self) -> list[str]: ...

    def read_manifest(self, version: str | None = None) -> dict[str, Any]: ...

    def load(
        self,
        model_id: str | None = None,
        dim: int | None = None,
        ef_search: int | None = None,
        nprobe: int | None = None,
        version: str | None = None,
    ) -> LoadedIndex: ...

    def lock(self) -> AbstractContextManager[None]: ...

    def clean_partial_builds(self) -> None: ...

    def write(self, data: BuildData, settings: IndexSettings | None = None) -> str: ...

    def write_version(
        self, data: BuildData, settings: IndexSettings | None = None
    ) -> LoadedIndex: ...

    def publish(self, version: str, prune: bool = True) -> None: ...

    def prune(self) -> None: ...

    def discard(self, version: str) -> None: ...

    # One document's add, replace or delete (an upload, a delete). The embedded store writes
    # a new version; Milvus takes the document into its live version in place, and
    # ``current_version`` then also names the revision, so other replicas see the change.
    # ``write_update`` writes what nobody reads yet, ``publish_update`` is the commit point,
    # ``discard_update`` undoes an unpublished one.
    def write_update(
        self,
        base: LoadedIndex,
        build: BuildData,
        doc_id: str,
        settings: IndexSettings | None = None,
    ) -> LoadedIndex: ...

    def publish_update(self, index: LoadedIndex) -> None: ...

    def discard_update(self, index: LoadedIndex) -> None: ...


def doc_rows(passages: list[Passage]) -> dict[str, IntArray]:
    """Passage rows per document."""
    rows: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        rows.setdefault(p.doc_id, []).append(i)
    return {k: np.array(v, dtype=np.int64) for k, v in rows.items()}
