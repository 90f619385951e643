"""`rag ingest --runner ray` on a Milvus server: the second actor pool, which writes the rows.

The driver still creates the version's collections, writes its documents and manifest, and
publishes it; the writers only insert its passage and sentence rows, each with its own
client. A unit is JSON (the rows, vectors as base64 float32), and a writer upserts it, so a
unit Ray retries after a writer died is written once. A local milvus-lite file admits one
process only: there the driver writes (`writers_for` says 0).

    insert = RayInserter(RaySettings(writers=2), settings.store)
    engine.ingest(embed=RayEmbedStage(ray_settings), insert=insert)
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from rag.index import milvus_rows as rows
from rag.index.ray_ingest import DistributedIngestError, ray_runtime
from rag.settings import RaySettings, StoreSettings


def writers_for(ray: RaySettings, store: StoreSettings) -> int:
    """Writer actors this ingest can use: none for the embedded store or a milvus-lite file
    (a local path, opened by one process), else the configured number."""
    if store.backend != "milvus" or not _is_server(store.uri):
        return 0
    return ray.writers


def _is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def pack(name: str, batch: list[dict[str, Any]]) -> str:
    """One unit: the collection's name and its rows, the vectors as base64 float32."""
    vecs = np.asarray([r["vector"] for r in batch], dtype=np.float32)
    plain = [{k: v for k, v in r.items() if k != "vector"} for r in batch]
    body = {"name": name, "rows": plain, "dim": int(vecs.shape[1]) if vecs.ndim == 2 else 0}
    body["vec"] = base64.b64encode(vecs.tobytes()).decode("ascii")
    return json.dumps(body, ensure_ascii=False)


def unpack(unit: str) -> tuple[str, list[dict[str, Any]]]:
    body = json.loads(unit)
    vecs = np.frombuffer(base64.b64decode(body["vec"]), dtype=np.float32)
    vecs = vecs.reshape(len(body["rows"]), body["dim"])
    out = [{**r, "vector": v.tolist()} for r, v in zip(body["rows"], vecs, strict=True)]
    return str(body["name"]), out


class WriteActor:
    """A Ray Data actor with its own Milvus client: upserts one unit per call. `store` is set
    on a subclass per run (`writer_class`), as the embedding actors' settings are."""

    store: dict[str, Any] = {}  # noqa: RUF012 - set once per run, on a subclass

    def __init__(self) -> None:
        from pymilvus import MilvusClient

        from rag.index.milvus import QUIET_KEEPALIVE

        s = StoreSettings.model_validate(self.store)
        self.client = MilvusClient(
            uri=s.uri, token=s.token.get_secret_value(), timeout=60, grpc_options=QUIET_KEEPALIVE
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        written = []
        for unit in batch["unit"]:
            name, todo = unpack(str(unit))
            self.client.upsert(name, todo)
            written.append(len(todo))
        return {"n": np.array(written, np.int64)}


def writer_class(store: StoreSettings) -> type[WriteActor]:
    dumped = store.model_dump(mode="json") | {"token": store.token.get_secret_value()}
    attrs = {"store": dumped, "__qualname__": "RunWriteActor"}
    return type("RunWriteActor", (WriteActor,), attrs)


class RayInserter:
    """A `rag.index.seam.Inserter`: a version's rows written by `settings.writers` Ray actors
    (on the runtime the embedding stage uses, or one started for the write)."""

    def __init__(self, settings: RaySettings, store: StoreSettings) -> None:
        self.settings = settings
        self.store = store

    def __call__(self, name: str, todo: list[dict[str, Any]]) -> int:
        if not todo:
            return 0
        # at least two units per writer when there are rows enough, at most a client batch
        size = max(1, min(rows.BATCH, -(-len(todo) // (2 * self.settings.writers))))
        units = [pack(name, todo[i : i + size]) for i in range(0, len(todo), size)]
        with ray_runtime(self.settings) as ray:
            try:
                return self._run(ray, units)
            except Exception as exc:  # a RayError, or a writer's own error, wrapped by Ray
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
                raise DistributedIngestError(f"the Ray writers failed: {first}") from exc

    def _run(self, ray: Any, units: list[str]) -> int:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        ds = ray.data.from_items([{"unit": u} for u in units], override_num_blocks=len(units))
        ds = ds.map_batches(
            writer_class(self.store),
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=self.settings.writers),
            num_cpus=0.5,  # they wait on the server; the embedding actors hold the CPUs
        )
        return sum(int(b["n"].sum()) for b in ds.iter_batches(batch_size=None))
