"""`rag ingest --runner ray`: the same ingest with its embedding stage on a Ray Data actor pool.

Chunking, reuse of unchanged documents, the manifest and the write/publish of the version stay
in `rag.index.ingest` (this process, holding the store's lock); only `EmbedWork`'s vectors are
filled elsewhere, by the actors of `rag.index.ray_actor`, so passages, offsets and vectors
are those of the single-process ingest. Ray restarts a killed actor and retries its unit; an
error that remains is a `DistributedIngestError` before anything is written, so the previous
version stays current.

    stage = RayEmbedStage(RaySettings(workers=2))
    engine.ingest(embed=stage)

Ray is imported only here, and only when a stage runs (install the `.[scale]` extra).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.index.embedder import Embedder
from rag.index.ray_actor import Unit, actor_class, payload, units
from rag.index.readings import remember_lines
from rag.index.strategies import EmbedWork, ProgressFactory
from rag.settings import EmbeddingSettings, RaySettings

log = logging.getLogger(__name__)

UNIT_BATCHES = 4  # forward passes of texts per unit: small enough to balance the actors


class DistributedIngestError(RagError):
    """The Ray runner could not embed the corpus (no Ray, no cluster, a unit that failed)."""


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
def _stdout_to_stderr() -> Iterator[None]:
    """Ray's own lines (a worker died, the core's log level) go to file descriptor 1; while it
    runs they go to stderr, so that stdout stays the command's output (`--json`)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


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


@contextmanager
def ray_session(settings: RaySettings) -> Iterator[Any]:
    """`ray_runtime` with Ray's stdout lines on stderr, held across the stages of one ingest
    (the embedding actors, then the writers), so the runtime starts once."""
    with _stdout_to_stderr(), ray_runtime(settings) as ray:
        yield ray


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
        with _stdout_to_stderr(), ray_runtime(self.settings) as ray:
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
        items = [{"unit": payload(work, u)} for u in cut]
        ds = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            actor_class(embedding),
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
