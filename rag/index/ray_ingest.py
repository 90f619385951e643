"""`rag ingest --runner ray`: the same ingest with its embedding stage on a Ray Data actor pool.

Chunking, reuse of unchanged documents, the manifest and the write/publish of the version stay
in `rag.index.ingest` (this process, holding the store's lock); only `EmbedWork`'s vectors are
filled elsewhere. The work is cut into units (whole documents, or any rows for the `separate`
strategy), each actor loads the embedder once and runs `embed_work` on a unit, so passages,
offsets and vectors are those of the single-process ingest. Ray retries a unit whose actor
died; an error that remains is a `DistributedIngestError` before anything is written, so the
previous version stays current.

    stage = RayEmbedStage(RaySettings(workers=2))
    engine.ingest(embed=stage)

Ray is imported only here, and only when a stage runs (install the `.[scale]` extra).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.index.readings import reading_lines, remember_lines
from rag.index.strategies import EmbedWork, ProgressFactory, embed_work
from rag.settings import EmbeddingSettings, RaySettings
from rag.types import Passage, SentenceRef

log = logging.getLogger(__name__)

UNIT_BATCHES = 4  # forward passes of texts per unit: small enough to balance the actors


class DistributedIngestError(RagError):
    """The Ray runner could not embed the corpus (no Ray, no cluster, a unit that failed)."""


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


def _payload(work: EmbedWork, unit: Unit) -> str:
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
    its sentences). `embedding` is set on a subclass per run (`_actor_class`)."""

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
            # the sentences' readings too: the other half of an ingest's CPU time
            readings += [""] * len(passages) + reading_lines([s.text for s in sentences])
        return {
            "kind": np.array(kinds, np.int8),
            "row": np.array(rows, np.int64),
            "vec": np.array(vecs, np.float32).reshape(len(rows), -1),
            "reading": np.array(readings, dtype=object),
        }


def _actor_class(embedding: EmbeddingSettings) -> type[EmbedActor]:
    # The settings ride on the class, not as constructor arguments: Ray keeps those in its
    # object store, and an actor restarted after its worker died may not find them there.
    attrs = {"embedding": embedding.model_dump(mode="json"), "__qualname__": "RunEmbedActor"}
    return type("RunEmbedActor", (EmbedActor,), attrs)


def _check_reachable(address: str) -> None:
    """A host:port (or ray://host:port) nobody listens on fails here, at once: ray.init
    would wait minutes for it."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise DistributedIngestError(f"cannot reach the Ray cluster at {address}: {exc}") from exc


@contextmanager
def ray_runtime(settings: RaySettings) -> Iterator[Any]:
    """The `ray` module, connected: to settings.address, to a runtime already started in
    this process (tests), or to a local one started here and stopped afterwards."""
    # Our progress bar and one-line errors, not Ray Data's INFO lines or the core's warnings
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    try:
        import ray
    except ImportError as exc:
        raise DistributedIngestError("--runner ray needs Ray: pip install -e '.[scale]'") from exc
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
        if settings.address:
            _check_reachable(settings.address)
            kwargs["address"] = settings.address
        else:  # a CPU per actor even on a small machine, or the pool would wait forever
            kwargs |= {"num_cpus": max(settings.workers, os.cpu_count() or 1)}
            kwargs |= {"include_dashboard": False}
        try:
            ray.init(**kwargs)
        except Exception as exc:
            where = settings.address or "a local runtime"
            raise DistributedIngestError(f"cannot start Ray ({where}): {exc}") from exc
        started = True
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


class RayEmbedStage:
    """An `EmbedStage` for `rag.index.ingest.ingest`: fills the work's vectors on a pool of
    `settings.workers` Ray actors (one CPU each)."""

    def __init__(self, settings: RaySettings) -> None:
        self.settings = settings

    def __call__(
        self,
        work: EmbedWork,
        embedder: Embedder,
        embedding: EmbeddingSettings,
        progress: ProgressFactory | None = None,
    ) -> None:
        texts = len(work.todo_p) + len(work.todo_s)
        # at least two units per worker (a small corpus too), at most UNIT_BATCHES batches
        size = min(UNIT_BATCHES * embedding.batch_size, -(-texts // (2 * self.settings.workers)))
        cut = units(work, embedding.strategy, max(size, 1))
        if not cut:
            return
        total = sum(len(u["p"]) + len(u["s"]) for u in cut)
        desc = f"embedding on {self.settings.workers} Ray workers"
        tick = progress(total, desc) if progress else None
        with ray_runtime(self.settings) as ray:
            try:
                self._run(ray, work, embedder, embedding, cut, tick)
            except DistributedIngestError:
                raise
            except Exception as exc:  # a RayError, or an actor's own error, wrapped by Ray
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
                raise DistributedIngestError(f"the Ray ingest failed: {first}") from exc

    def _run(
        self,
        ray: Any,
        work: EmbedWork,
        embedder: Embedder,
        embedding: EmbeddingSettings,
        cut: list[Unit],
        tick: Any,
    ) -> None:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # ours is on the CLI; Ray's would interleave
        ctx.print_on_execution_start = False
        items = [{"unit": _payload(work, u)} for u in cut]
        ds = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _actor_class(embedding),
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=self.settings.workers),
            num_cpus=1,
        )
        seen = 0
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            vecs = batch["vec"]
            if vecs.shape[1] != embedder.dim:
                raise DistributedIngestError(
                    f"the Ray workers' model gives {vecs.shape[1]} dimensions, not {embedder.dim}"
                )
            for kind, row, vec in zip(batch["kind"], batch["row"], vecs, strict=True):
                (work.svecs if kind else work.pvecs)[int(row)] = np.asarray(vec, np.float32)
            sent = [int(r) for k, r in zip(batch["kind"], batch["row"], strict=True) if k]
            lines = [str(x) for k, x in zip(batch["kind"], batch["reading"], strict=True) if k]
            remember_lines([work.sentences[r].text for r in sent], lines)
            seen += len(batch["row"])
            if tick:
                tick(len(batch["row"]))
        if seen != sum(len(u["p"]) + len(u["s"]) for u in cut):
            raise DistributedIngestError(f"the Ray workers returned {seen} vectors, not all")
