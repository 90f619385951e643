"""top_positive gives exactly what a stable argsort over the positive scores gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.search.fusion import top_positive


def reference(scores: np.ndarray, k: int) -> list[int]:
    n_pos = int((scores > 0).sum())
    return [int(i) for i in np.argsort(-scores, kind="stable")[: min(k, n_pos)]]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 3.25]), max_size=300),
    st.integers(min_value=1, max_value=40),
)
def test_matches_a_stable_argsort_with_ties(values: list[float], k: int) -> None:
    scores = np.array(values, dtype=np.float32)
    assert top_positive(scores, k).tolist() == reference(scores, k)


def test_large_random_scores() -> None:
    rng = np.random.default_rng(0)
    scores = np.zeros(100_000, np.float32)
    hit = rng.integers(0, len(scores), 5000)
    scores[hit] = rng.random(len(hit)).astype(np.float32)
    for k in (1, 10, 30, 1000):
        assert top_positive(scores, k).tolist() == reference(scores, k)
    assert top_positive(np.zeros(10, np.float32), 5).size == 0
