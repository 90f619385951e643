"""Hybrid search: dense + BM25, fused, rescored by a second stage, diversified, filtered."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import numpy.typing as npt

from rag.index.embedder import Embedder
from rag.index.store import LoadedIndex
from rag.search.filters import Filters, QueryError
from rag.search.fusion import minmax, overlap_ratio, rrf, weighted
from rag.search.stages import (
    BestSentenceStage,
    CrossEncoderStage,
    MaxSimStage,
    MpnetStage,
    SecondStage,
)
from rag.settings import RetrievalSettings
from rag.text.sentences import TOKEN
from rag.types import SearchHit, SearchResult

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


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
        try:
            query.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800") is not text
            raise QueryError(f"query is not valid Unicode at character {exc.start}") from exc
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

        d_scores, d_ids = self.index.dense_top_k(qvec, pool, allowed)
        b_ids, b_scores = self.index.lexical_top_k(q, pool, allowed)

        dense = {int(i): float(s) for i, s in zip(d_ids, d_scores, strict=True)}
        sparse = {int(i): float(s) for i, s in zip(b_ids, b_scores, strict=True)}
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
        kept_in: dict[str, list[int]] = {}  # spans of other documents never overlap
        for pid in ranked:  # best first, so the better of two overlapping passages stays
            same_doc = kept_in.setdefault(spans[pid][0], [])
            if all(overlap_ratio(spans[pid], spans[o]) <= cfg.overlap_collapse for o in same_doc):
                kept.append(pid)
                same_doc.append(pid)
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
