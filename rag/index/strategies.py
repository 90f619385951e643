"""How ingest fills the passage and sentence vectors: three strategies over one work list.

* ``separate``: passages and sentences embedded on their own, in one length-sorted stream;
* ``contextual-sentences``: one forward pass per passage; each sentence vector is the mean of
  its contextual token vectors in that pass ("late chunking");
* ``pooled-passages``: one forward pass per sentence; a passage vector is the length-weighted
  mean of its sentences' vectors.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.index.embedder import Embedder
from rag.settings import EmbeddingSettings
from rag.types import Passage, SentenceRef

ProgressFactory = Callable[[int, str], Callable[[int], None]]


@dataclass
class EmbedWork:
    """Rows `todo_p` of `pvecs` and `todo_s` of `svecs` still need vectors (filled in place)."""

    passages: list[Passage]
    sentences: list[SentenceRef]
    pvecs: list[np.ndarray]
    svecs: list[np.ndarray]
    todo_p: list[int]
    todo_s: list[int]

    def inside(self) -> list[list[int]]:
        """For each passage row in `todo_p`, the rows of `todo_s` that lie inside it."""
        by_doc: dict[str, list[int]] = {}
        for row in self.todo_s:
            by_doc.setdefault(self.sentences[row].doc_id, []).append(row)
        starts: dict[str, list[int]] = {}
        for doc_id, rows in by_doc.items():
            rows.sort(key=lambda r: self.sentences[r].start)
            starts[doc_id] = [self.sentences[r].start for r in rows]
        out = []
        for i in self.todo_p:
            p = self.passages[i]
            rows = by_doc.get(p.doc_id, [])
            # sentences are sorted by start: begin at the first one inside the passage
            first = bisect.bisect_left(starts.get(p.doc_id, []), p.start)
            inside = []
            for r in rows[first:]:
                if self.sentences[r].start >= p.end:
                    break
                if self.sentences[r].end <= p.end:
                    inside.append(r)
            out.append(inside)
        return out


def _separate(
    work: EmbedWork, embedder: Embedder, bs: int, workers: int, tick: Callable[[int], None] | None
) -> None:
    # One call for passages and sentences: its length-sorted batches keep all workers busy.
    texts = [work.passages[i].text for i in work.todo_p]
    texts += [work.sentences[i].text for i in work.todo_s]
    if not texts:
        return
    new = embedder.embed(texts, bs, tick, workers)
    n = len(work.todo_p)
    for row, v in zip(work.todo_p, new[:n], strict=True):
        work.pvecs[row] = v
    for row, v in zip(work.todo_s, new[n:], strict=True):
        work.svecs[row] = v


def _contextual(
    work: EmbedWork, embedder: Embedder, bs: int, workers: int, tick: Callable[[int], None] | None
) -> None:
    """A sentence in two passages (the overlap) gets the mean of its two contextual vectors;
    one outside every passage's model window is embedded on its own."""
    members = work.inside()
    spans = [
        [
            (
                work.sentences[r].start - work.passages[i].start,
                work.sentences[r].end - work.passages[i].start,
            )
            for r in m
        ]
        for i, m in zip(work.todo_p, members, strict=True)
    ]
    texts = [work.passages[i].text for i in work.todo_p]
    pv, sv = embedder.embed_with_spans(texts, spans, bs, tick, workers)  # type: ignore[attr-defined]
    sums: dict[int, np.ndarray] = {}
    for row, v, inside, vs in zip(work.todo_p, pv, members, sv, strict=True):
        work.pvecs[row] = v
        for r, sent_vec in zip(inside, vs, strict=True):
            if sent_vec.any():
                sums[r] = sums.get(r, 0) + sent_vec
    for r, total in sums.items():
        work.svecs[r] = (total / np.linalg.norm(total)).astype(np.float32)
    left = [r for r in work.todo_s if r not in sums]
    _separate(
        EmbedWork(work.passages, work.sentences, work.pvecs, work.svecs, [], left),
        embedder,
        bs,
        workers,
        None,
    )


def _pooled(
    work: EmbedWork, embedder: Embedder, bs: int, workers: int, tick: Callable[[int], None] | None
) -> None:
    """A passage that is not whole sentences (a piece of a sentence over the token budget) is
    embedded on its own."""
    sentences_only = EmbedWork(
        work.passages, work.sentences, work.pvecs, work.svecs, [], work.todo_s
    )
    _separate(sentences_only, embedder, bs, workers, tick)
    leftover = []
    for row, inside in zip(work.todo_p, work.inside(), strict=True):
        p, s = work.passages[row], work.sentences
        if not inside or s[inside[0]].start != p.start or s[inside[-1]].end != p.end:
            leftover.append(row)
            continue
        weights = np.array([len(s[r].text) for r in inside], np.float32)[:, None]
        total = (np.array([work.svecs[r] for r in inside]) * weights).sum(axis=0)
        work.pvecs[row] = (total / max(float(np.linalg.norm(total)), 1e-12)).astype(np.float32)
    rest = EmbedWork(work.passages, work.sentences, work.pvecs, work.svecs, leftover, [])
    _separate(rest, embedder, bs, workers, None)


def embed_work(
    work: EmbedWork,
    embedder: Embedder,
    settings: EmbeddingSettings,
    progress: ProgressFactory | None = None,
) -> None:
    """Fill every row the work list asks for, with the configured strategy."""
    strategy = settings.strategy
    if strategy == "contextual-sentences" and not hasattr(embedder, "embed_with_spans"):
        strategy = "separate"  # an embedder without token access (a wrapper, a fake)
    units = {
        "separate": len(work.todo_p) + len(work.todo_s),
        "contextual-sentences": len(work.todo_p),
        "pooled-passages": len(work.todo_s),
    }[strategy]
    tick = progress(units, "embedding") if (progress and units) else None
    run = {"separate": _separate, "contextual-sentences": _contextual, "pooled-passages": _pooled}
    run[strategy](work, embedder, settings.batch_size, settings.ingest_workers, tick)
