"""Hybrid search: dense + BM25, fused, rescored by a second stage, diversified, filtered."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from rag.chunking import TOKEN
from rag.embedding import Embedder
from rag.qtype import question_types, satisfies
from rag.settings import RetrievalSettings
from rag.store import LoadedIndex
from rag.types import SearchHit, SearchResult

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class QueryError(ValueError):
    """The query cannot be searched (empty, or a bad filter)."""


@dataclass(frozen=True, slots=True)
class Filters:
    doc_ids: tuple[str, ...] | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Filters:
        if not raw:
            return cls()
        unknown = set(raw) - {"doc_ids", "published_from", "published_to"}
        if unknown:
            raise QueryError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        ids = raw.get("doc_ids")
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)
        ):
            raise QueryError("filter doc_ids must be a list of strings")
        return cls(
            doc_ids=tuple(ids) if ids is not None else None,
            published_from=_date(raw.get("published_from"), "published_from"),
            published_to=_date(raw.get("published_to"), "published_to"),
        )

    def active(self) -> bool:
        return bool(self.doc_ids is not None or self.published_from or self.published_to)


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise QueryError(f"filter {name} must be a date YYYY-MM-DD, got {value!r}") from exc


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
        from rag.embedding import SentenceTransformerEmbedder, mpnet_path

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


def top_positive(scores: FloatArray, k: int) -> IntArray:
    """Ids of the ``k`` highest positive scores, best first, ties by id.

    The same ids in the same order as ``np.argsort(-scores, kind="stable")[:k]`` restricted
    to positive scores, but only the positive entries are sorted (after an O(n) partition),
    so the cost follows the number of matching passages rather than the corpus size: at 1M
    passages a full argsort takes ~70 ms, this a few ms.
    """
    pos = np.flatnonzero(scores > 0)
    k = min(k, len(pos))
    if k <= 0:
        return np.zeros(0, np.int64)
    vals = scores[pos]
    if len(pos) > 4 * k:
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]  # the k-th largest value
        keep = vals >= kth  # keeps every tie at the boundary, so ties still go by id
        pos, vals = pos[keep], vals[keep]
    out: IntArray = pos[np.argsort(-vals, kind="stable")[:k]].astype(np.int64)
    return out


def rrf(rankings: list[IntArray], k: int) -> dict[int, float]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the lists (rank from 1)."""
    out: dict[int, float] = {}
    for ranking in rankings:
        for r, pid in enumerate(ranking, start=1):
            out[int(pid)] = out.get(int(pid), 0.0) + 1.0 / (k + r)
    return out


def minmax(values: dict[int, float]) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    span = hi - lo
    if span <= 1e-12:
        return dict.fromkeys(values, 1.0)
    return {k: (v - lo) / span for k, v in values.items()}


def weighted(
    dense: dict[int, float], sparse: dict[int, float], dense_weight: float
) -> dict[int, float]:
    """Weighted sum of min-max normalised scores; a list that misses an id gives it 0."""
    d, s = minmax(dense), minmax(sparse)
    return {
        pid: dense_weight * d.get(pid, 0.0) + (1 - dense_weight) * s.get(pid, 0.0)
        for pid in set(d) | set(s)
    }


def overlap_ratio(a: tuple[str, int, int], b: tuple[str, int, int]) -> float:
    """Shared characters over the shorter span's length; 0 across documents."""
    if a[0] != b[0]:
        return 0.0
    inter = min(a[2], b[2]) - max(a[1], b[1])
    if inter <= 0:
        return 0.0
    return inter / max(1, min(a[2] - a[1], b[2] - b[1]))


class Retriever:
    """Hybrid retrieval over a loaded index.

    >>> r = Retriever(index, embedder, RetrievalSettings())
    >>> r.search("why was the Ant IPO suspended?").results[0].doc_id
    '000_341026f71ce0a6ab'
    """

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        settings: RetrievalSettings,
        max_query_chars: int = 2000,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.max_query_chars = max_query_chars
        self._stages: dict[str, SecondStage] = {}
        dates = [d.published for d in index.documents.values() if d.published]
        self._newest = dt.date.fromisoformat(max(dates)) if dates else None

    def stage(self, cfg: RetrievalSettings) -> SecondStage | None:
        """The configured second stage, built once per configuration."""
        name = cfg.second_stage
        if name == "none":
            return None
        key = f"{name}:{cfg.type_bonus}:{cfg.cross_encoder_path}"
        if key not in self._stages:
            if name == "sentence":
                self._stages[key] = BestSentenceStage(self.index, cfg.type_bonus)
            elif name == "mpnet":
                self._stages[key] = MpnetStage(self.index)
            elif name == "maxsim":
                self._stages[key] = MaxSimStage(self.index, self.embedder)
            elif name == "cross-encoder":
                if cfg.cross_encoder_path is None:
                    raise QueryError("second_stage=cross-encoder needs cross_encoder_path")
                self._stages[key] = CrossEncoderStage(self.index, str(cfg.cross_encoder_path))
            else:
                raise QueryError(f"unknown second stage {name!r}")
        return self._stages[key]

    def allowed_ids(self, filters: Filters) -> IntArray | None:
        if not filters.active():
            return None
        docs = self.index.documents
        ids = set(docs) if filters.doc_ids is None else set(filters.doc_ids) & set(docs)
        if filters.published_from or filters.published_to:
            keep = set()
            for i in ids:
                pub = docs[i].published
                if pub is None:
                    continue  # an undated article cannot be shown to fall in a date range
                day = dt.date.fromisoformat(pub)
                if filters.published_from and day < filters.published_from:
                    continue
                if filters.published_to and day > filters.published_to:
                    continue
                keep.add(i)
            ids = keep
        rows = [self.index.doc_passages[i] for i in sorted(ids) if i in self.index.doc_passages]
        return np.concatenate(rows) if rows else np.zeros(0, np.int64)

    def clean_query(self, query: str) -> tuple[str, bool]:
        """Whitespace-normalised query, cut to what the model reads (and whether it was cut)."""
        if not isinstance(query, str) or not query.strip():
            raise QueryError("query is empty")
        q = " ".join(query.split())
        truncated = False
        if len(q) > self.max_query_chars:
            q, truncated = q[: self.max_query_chars], True
        limit = int(getattr(self.embedder, "max_seq_length", 256)) - 2  # [CLS] and [SEP]
        n = 0
        for m in TOKEN.finditer(q):
            n += 1 + (len(m.group()) - 1) // 8
            if n > limit:
                return q[: m.start()].rstrip(), True
        return q, truncated

    def search(
        self,
        query: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        settings: RetrievalSettings | None = None,
        qvec: FloatArray | None = None,
    ) -> SearchResult:
        cfg = settings or self.settings
        k = cfg.top_k if top_k is None else top_k
        if k < 1:
            raise QueryError(f"top_k must be >= 1, got {k}")
        q, truncated = self.clean_query(query)
        filters = filters or Filters()
        allowed = self.allowed_ids(filters)
        if qvec is None:
            qvec = self.embedder.embed_query(q)
        pool = max(cfg.candidates, k)

        d_scores, d_ids = self.index.dense.search(qvec, pool, allowed)
        bm = self.index.bm25.scores(q)
        if allowed is not None:
            mask = np.zeros(len(bm), dtype=bool)
            mask[allowed] = True
            bm = np.where(mask, bm, 0.0)
        b_ids = top_positive(bm, pool)

        dense = {int(i): float(s) for i, s in zip(d_ids, d_scores, strict=True)}
        sparse = {int(i): float(bm[i]) for i in b_ids}
        if cfg.fusion == "rrf":
            fused = rrf([d_ids, b_ids], cfg.rrf_k)
        else:
            fused = weighted(dense, sparse, cfg.dense_weight)
        fused_order = sorted(fused, key=lambda i: (-fused[i], i))
        scores = minmax(fused)

        stage = self.stage(cfg)
        if stage is not None and fused_order:
            ids = np.array(fused_order, dtype=np.int64)
            s2 = stage.score(q, qvec, ids)
            w = cfg.second_stage_weight
            scores = {
                int(i): (1 - w) * scores[int(i)] + w * float(v)
                for i, v in zip(ids, s2, strict=True)
            }
        if cfg.recency_weight > 0 and self._newest is not None:
            scores = {i: s * self._recency(i, cfg) for i, s in scores.items()}
        ranked = sorted(scores, key=lambda i: (-scores[i], i))
        final = self._diversify(ranked, scores, k, cfg)
        hits = []
        for rank, pid in enumerate(final, start=1):
            p = self.index.passages[pid]
            doc = self.index.documents[p.doc_id]
            hits.append(
                SearchHit(
                    rank=rank,
                    doc_id=p.doc_id,
                    start=p.start,
                    end=p.end,
                    text=p.text,
                    score=round(float(scores[pid]), 6),
                    title=doc.title,
                    published=doc.published,
                    passage_id=pid,
                )
            )
        stages = {
            "dense": [int(i) for i in d_ids],
            "bm25": [int(i) for i in b_ids],
            "fused": fused_order,
            "final": final,
        }
        return SearchResult(query=q, results=hits, truncated=truncated, stages=stages)

    def _recency(self, pid: int, cfg: RetrievalSettings) -> float:
        pub = self.index.documents[self.index.passages[pid].doc_id].published
        if pub is None or self._newest is None:
            return 1.0 - cfg.recency_weight * 0.5  # unknown age: half the bonus
        age = (self._newest - dt.date.fromisoformat(pub)).days
        bonus = float(0.5 ** (max(age, 0) / cfg.recency_half_life_days))
        return 1.0 - cfg.recency_weight * (1.0 - bonus)

    def _diversify(
        self, ranked: list[int], scores: dict[int, float], k: int, cfg: RetrievalSettings
    ) -> list[int]:
        """Collapse overlapping passages, apply MMR and the per-document cap."""
        passages = self.index.passages
        spans = {i: (passages[i].doc_id, passages[i].start, passages[i].end) for i in ranked}
        kept: list[int] = []
        for pid in ranked:  # best first, so the better of two overlapping passages stays
            if all(overlap_ratio(spans[pid], spans[o]) <= cfg.overlap_collapse for o in kept):
                kept.append(pid)
        if cfg.mmr and kept:
            kept = self._mmr(kept, scores, cfg.mmr_lambda)
        out: list[int] = []
        per_doc: dict[str, int] = {}
        for pid in kept:
            doc = spans[pid][0]
            if cfg.per_doc_cap and per_doc.get(doc, 0) >= cfg.per_doc_cap:
                continue
            per_doc[doc] = per_doc.get(doc, 0) + 1
            out.append(pid)
            if len(out) == k:
                break
        return out

    def _mmr(self, ids: list[int], scores: dict[int, float], lam: float) -> list[int]:
        vecs = self.index.passage_vectors[np.array(ids)]
        chosen: list[int] = []
        rest = list(range(len(ids)))
        while rest:
            best, best_val = rest[0], -1e9
            for r in rest:
                redundancy = max((float(vecs[r] @ vecs[c]) for c in chosen), default=0.0)
                val = lam * scores[ids[r]] - (1 - lam) * redundancy
                if val > best_val:
                    best, best_val = r, val
            chosen.append(best)
            rest.remove(best)
        return [ids[c] for c in chosen]
