"""Second stages that rescore first-stage passages: best sentence, MaxSim, mpnet, cross-encoder."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from rag.index.store import LoadedIndex
from rag.search.filters import QueryError
from rag.text.questions import question_types, satisfies

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class SecondStage(Protocol):
    name: str

    def score(self, query: str, qvec: FloatArray, ids: IntArray) -> FloatArray:
        """A relevance score per candidate passage, higher is better, roughly in [0, 1]."""
        ...


class BestSentenceStage:
    """A passage scores as its best-matching sentence (precomputed sentence vectors), where a
    sentence holding the asked-for answer type (a reason for "why", an amount for "how
    much", a date for "when") gets a bonus."""

    name = "sentence"

    def __init__(self, index: LoadedIndex, type_bonus: float = 0.0) -> None:
        self.index = index
        self.type_bonus = type_bonus

    def score(self, query: str, qvec: FloatArray, ids: IntArray) -> FloatArray:
        kinds = question_types(query) - {"how"} if self.type_bonus else set()
        out = np.zeros(len(ids), dtype=np.float32)
        for n, pid in enumerate(ids):
            rows = self.index.passage_sentences[int(pid)]
            if len(rows):
                sims = self.index.sentence_vectors[rows.start : rows.stop] @ qvec
                if kinds:
                    bonus = [
                        self.type_bonus
                        if all(satisfies(k, self.index.sentences[r].text) for k in kinds)
                        else 0.0
                        for r in rows
                    ]
                    sims = sims + np.array(bonus, dtype=np.float32)
                out[n] = float(sims.max())
            else:
                out[n] = float(self.index.passage_vectors[pid] @ qvec)
        return out


class MaxSimStage:
    """Late interaction: mean over query tokens of the best passage-token similarity."""

    name = "maxsim"

    def __init__(self, index: LoadedIndex, embedder: Any) -> None:
        if not hasattr(embedder, "token_embeddings"):
            raise QueryError("maxsim needs the sentence-transformers backend")
        self.index = index
        self.embedder = embedder

    def score(self, query: str, qvec: FloatArray, ids: IntArray) -> FloatArray:
        texts = [query] + [self.index.passages[int(i)].text for i in ids]
        toks = self.embedder.token_embeddings(texts)
        q = toks[0][1:-1] if len(toks[0]) > 2 else toks[0]  # drop [CLS]/[SEP]
        return np.array([float((q @ t.T).max(axis=1).mean()) for t in toks[1:]], np.float32)


class MpnetStage:
    """all-mpnet-base-v2 re-scores the candidates (an optional install); passage vectors are
    computed on first use and cached for the life of the index."""

    name = "mpnet"

    def __init__(self, index: LoadedIndex) -> None:
        from rag.index.embedder import mpnet_path
        from rag.index.embedding import SentenceTransformerEmbedder

        self.index = index
        self.model = SentenceTransformerEmbedder(mpnet_path(), model_id="all-mpnet-base-v2")
        self.cache: dict[int, FloatArray] = {}

    def score(self, query: str, qvec: FloatArray, ids: IntArray) -> FloatArray:
        todo = [int(i) for i in ids if int(i) not in self.cache]
        if todo:
            vecs = self.model.embed([self.index.passages[i].text for i in todo])
            self.cache.update(zip(todo, vecs, strict=True))
        q = self.model.embed_query(query)
        return np.array([float(self.cache[int(i)] @ q) for i in ids], dtype=np.float32)


class CrossEncoderStage:
    """A sentence-transformers CrossEncoder from a local folder, for users who have weights."""

    name = "cross-encoder"

    def __init__(self, index: LoadedIndex, model_path: str) -> None:
        from sentence_transformers import CrossEncoder

        self.index = index
        self.model = CrossEncoder(model_path, device="cpu")

    def score(self, query: str, qvec: FloatArray, ids: IntArray) -> FloatArray:
        if not len(ids):
            return np.zeros(0, np.float32)
        pairs = [(query, self.index.passages[int(i)].text) for i in ids]
        raw = np.asarray(self.model.predict(pairs, show_progress_bar=False), dtype=np.float32)
        if raw.ndim > 1:
            raw = raw[:, -1]
        return (1.0 / (1.0 + np.exp(-raw))).astype(np.float32)
