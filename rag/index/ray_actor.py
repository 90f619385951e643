"""The work of one Ray actor of `rag ingest --runner ray`: units of rows, and the actor.

A unit is JSON (rows with their spans and texts, no pickles); the actor loads the embedder once
and runs the single-process `embed_work` on each unit, then reads the unit's sentences, so
vectors and readings are those of the single-process ingest.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from rag.index.embedding import get_embedder
from rag.index.readings import reading_lines
from rag.index.strategies import EmbedWork, embed_work
from rag.settings import EmbeddingSettings
from rag.types import Passage, SentenceRef

Unit = dict[str, list[int]]  # {"p": passage rows, "s": sentence rows}


def units(work: EmbedWork, strategy: str, size: int) -> list[Unit]:
    """The rows to embed, cut into units of about `size` texts. Pooling strategies need a
    passage and its sentences together, so their units hold whole documents; `separate`
    embeds every text on its own."""
    if strategy == "separate":
        rows = [("p", r) for r in work.todo_p] + [("s", r) for r in work.todo_s]
        parts = [rows[i : i + size] for i in range(0, len(rows), size)]
        return [{k: [r for kind, r in part if kind == k] for k in ("p", "s")} for part in parts]
    by_doc: dict[str, Unit] = {}
    for r in work.todo_p:
        by_doc.setdefault(work.passages[r].doc_id, {"p": [], "s": []})["p"].append(r)
    for r in work.todo_s:
        by_doc.setdefault(work.sentences[r].doc_id, {"p": [], "s": []})["s"].append(r)
    out: list[Unit] = []
    unit: Unit = {"p": [], "s": []}
    for doc in by_doc.values():
        unit["p"] += doc["p"]
        unit["s"] += doc["s"]
        if len(unit["p"]) + len(unit["s"]) >= size:
            out.append(unit)
            unit = {"p": [], "s": []}
    if unit["p"] or unit["s"]:
        out.append(unit)
    return out


def payload(work: EmbedWork, unit: Unit) -> str:
    """One unit as JSON (rows and their spans and texts): what an actor needs, no pickles."""
    return json.dumps(
        {
            "p": [[r, *_span(work.passages[r])] for r in unit["p"]],
            "s": [[r, *_span(work.sentences[r])] for r in unit["s"]],
        },
        ensure_ascii=False,
    )


def _span(x: Passage | SentenceRef) -> list[Any]:
    return [x.doc_id, x.start, x.end, x.text]


class EmbedActor:
    """A Ray Data actor: loads the embedder once, then embeds one unit per call (and reads
    its sentences). `embedding` is set on a subclass per run (`actor_class`)."""

    embedding: dict[str, Any] = {}  # noqa: RUF012 - set once per run, on a subclass

    def __init__(self) -> None:
        # One request thread per actor: the actors are the parallelism.
        self.settings = EmbeddingSettings.model_validate(self.embedding | {"ingest_workers": 1})
        s = self.settings
        self.embedder = get_embedder(s.backend, s.model_id, s.threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        kinds: list[int] = []
        rows: list[int] = []
        vecs: list[np.ndarray] = []
        readings: list[str] = []
        for text in batch["unit"]:
            unit = json.loads(str(text))
            passages = [Passage(*p[1:]) for p in unit["p"]]
            sentences = [SentenceRef(*s[1:]) for s in unit["s"]]
            dim = self.embedder.dim
            work = EmbedWork(
                passages,
                sentences,
                [np.zeros(dim, np.float32) for _ in passages],
                [np.zeros(dim, np.float32) for _ in sentences],
                list(range(len(passages))),
                list(range(len(sentences))),
            )
            embed_work(work, self.embedder, self.settings)
            kinds += [0] * len(passages) + [1] * len(sentences)
            rows += [p[0] for p in unit["p"]] + [s[0] for s in unit["s"]]
            vecs += work.pvecs + work.svecs
            # the sentences' readings too (spaCy): a large share of an ingest's CPU time
            readings += [""] * len(passages) + reading_lines([s.text for s in sentences])
        return {
            "kind": np.array(kinds, np.int8),
            "row": np.array(rows, np.int64),
            "vec": np.array(vecs, np.float32).reshape(len(rows), -1),
            "reading": np.array(readings, dtype=object),
        }


def actor_class(embedding: EmbeddingSettings) -> type[EmbedActor]:
    # The settings ride on the class, not as constructor arguments: Ray keeps those in its
    # object store, and an actor restarted after its worker died may not find them there.
    attrs = {"embedding": embedding.model_dump(mode="json"), "__qualname__": "RunEmbedActor"}
    return type("RunEmbedActor", (EmbedActor,), attrs)
