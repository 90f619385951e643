"""Rank fusion and score helpers: top-k of positive scores, RRF, min-max, weighted sums."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rag.index.bm25 import top_positive as top_positive  # it moved next to BM25

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


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
