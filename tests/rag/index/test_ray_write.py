"""The Ray writer pool of `rag ingest --runner ray` on a Milvus server: units that carry rows
exactly, when it is used, and a version written by it equal to the single-process one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.engine import Engine
from rag.index.backends import open_store
from rag.index.embedder import Embedder
from rag.index.ray_ingest import RayEmbedStage
from rag.index.ray_write import RayInserter, pack, unpack, writers_for
from rag.index.store import IndexStore
from rag.settings import RaySettings, Settings, StoreSettings

REPO = Path(__file__).resolve().parents[3]


def test_a_unit_carries_its_rows_and_vectors_exactly() -> None:
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((3, 384)).astype(np.float32)
    rows = [
        {"id": i, "doc_id": "d\u00e9j\u00e0", "start": i, "end": i + 5, "vector": vecs[i].tolist()}
        for i in range(3)
    ]
    name, back = unpack(pack("t_passages_v1", rows))
    assert name == "t_passages_v1"
    assert back == rows  # float32 -> base64 -> float32 -> list: the same numbers


@pytest.mark.parametrize(
    ("store", "writers"),
    [
        (StoreSettings(), 0),  # the embedded store writes its own files
        (StoreSettings(backend="milvus"), 0),  # milvus-lite in index/: one process only
        (StoreSettings(backend="milvus", uri="/tmp/x/milvus.db"), 0),
        (StoreSettings(backend="milvus", uri="http://127.0.0.1:19530"), 3),
    ],
)
def test_writers_only_for_a_milvus_server(store: StoreSettings, writers: int) -> None:
    assert writers_for(RaySettings(writers=3), store) == writers
    assert writers_for(RaySettings(writers=0), store) == 0


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    ray = pytest.importorskip("ray", reason="needs the .[scale] extra")
    ctx = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield str(ctx.address_info["gcs_address"])
    finally:
        ray.shutdown()


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.milvus
def test_the_writer_pool_writes_the_single_process_version(
    ray_address: str, built_engine: Engine, embedder: Embedder, milvus_settings: Settings
) -> None:
    pool = RayInserter(RaySettings(writers=2), milvus_settings.store)
    seen: list[tuple[str, int]] = []

    def spy(name: str, todo: list[dict[str, Any]]) -> int:
        seen.append((name, len(todo)))
        return pool(name, todo)

    report = Engine(milvus_settings, embedder).ingest(
        embed=RayEmbedStage(RaySettings()), insert=spy
    )
    store = open_store(milvus_settings)
    local = IndexStore(built_engine.settings.index.dir).load()
    got = store.load()
    assert store.current_version() == report.version
    assert sorted(n.split("_")[1] for n, _ in seen) == ["passages", "sentences"]
    assert sorted(k for _, k in seen) == sorted([len(local.passages), len(local.sentences)])
    assert got.passages == local.passages and got.sentences == local.sentences
    np.testing.assert_allclose(got.passage_vectors, local.passage_vectors, atol=1e-5)
    np.testing.assert_allclose(got.sentence_vectors, local.sentence_vectors, atol=1e-5)
    # the search side too: Milvus's BM25 and dense top-k come from the rows the pool wrote
    assert got.lexical_top_k("Ant Group IPO suspended", 5)[0].tolist() == (
        local.lexical_top_k("Ant Group IPO suspended", 5)[0].tolist()
    )


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.milvus
def test_a_retried_unit_is_written_once(ray_address: str, milvus_uri: str) -> None:
    """A writer that died after its upsert has the unit retried: upsert by id, no duplicate."""
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(uri=milvus_uri)
    name = f"t{os.getpid()}_retry"
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=4)
    params = MilvusClient.prepare_index_params()
    params.add_index("vector", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
    try:
        rows = [{"id": i, "vector": [float(i), 1.0, 0.0, 0.0]} for i in range(1200)]
        pool = RayInserter(RaySettings(writers=2), StoreSettings(backend="milvus", uri=milvus_uri))
        assert pool(name, rows) == 1200
        assert pool(name, rows[500:1000]) == 500  # the second unit again
        client.flush(name)
        client.load_collection(name)
        count = client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]
        assert count == 1200
    finally:
        client.drop_collection(name)
        client.close()


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.milvus
def test_the_cli_reports_its_writers(
    ray_address: str, built_engine: Engine, milvus_settings: Settings
) -> None:
    s = milvus_settings
    cmd = [sys.executable, "-m", "cli.main", "ingest", "--runner", "ray", "--writers", "1"]
    cmd += ["--json", "--address", ray_address, "--corpus", str(s.corpus.dir)]
    cmd += ["--index", str(s.index.dir)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_STORE__BACKEND": "milvus", "RAG_STORE__URI": s.store.uri}
    env |= {"RAG_STORE__COLLECTION_PREFIX": s.store.collection_prefix}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["runner"], report["workers"], report["writers"]) == ("ray", 2, 1)
    assert open_store(s).current_version() == report["version"]
    assert len(open_store(s).load().passages) == report["passages"]
