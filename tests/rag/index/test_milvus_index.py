"""A Milvus snapshot maps the ids Milvus returns to its own rows: after updates in place the
ids are not row numbers, and an id the snapshot does not hold must map to nothing (no Milvus
needed: the mapping is pure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rag.index.milvus_index import MilvusIndex


def _index(pids: list[int]) -> MilvusIndex:
    empty = np.zeros((0, 2), np.float32)
    return MilvusIndex(
        version="v1@2",
        path=Path("unused"),
        manifest={},
        documents={},
        passages=[],
        sentences=[],
        passage_vectors=empty,
        sentence_vectors=empty,
        passage_sentences=[],
        doc_passages={},
        client=None,
        collection="unused",
        pids=np.array(pids, dtype=np.int64),
        limit=max(pids, default=-1) + 1,
    )


@given(
    st.lists(st.integers(0, 10_000), unique=True, max_size=60),
    st.lists(st.integers(-5, 10_010), max_size=30),
)
def test_every_id_maps_to_the_row_holding_it_and_an_unknown_id_to_none(
    pids: list[int], asked: list[int]
) -> None:
    index = _index(pids)
    got = index.rows_of(asked)
    for i, row in zip(asked, got, strict=True):
        if i in pids:
            assert row == pids.index(i)
        else:
            assert row is None


def test_the_search_filter_keeps_to_the_snapshots_own_ids() -> None:
    index = _index([0, 1, 7, 3])
    assert index._filter(None) == "id < 8"
