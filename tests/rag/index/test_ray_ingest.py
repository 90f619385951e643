"""`rag ingest --runner ray`: the same index as the single-process ingest, and a killed worker.

The Ray tests run under `make test-scale` (marker `ray`, the `.[scale]` extra); they share one
local Ray runtime (`ray.init(num_cpus=2)`) started once per module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.engine import Engine
from rag.index.backends import open_store
from rag.index.embedder import Embedder, SplitEmbedder
from rag.index.embedding import get_embedder
from rag.index.ray_actor import units
from rag.index.ray_ingest import RayEmbedStage
from rag.index.store import IndexStore, LoadedIndex
from rag.index.strategies import EmbedWork
from rag.settings import RaySettings, Settings
from rag.types import Passage, SentenceRef

REPO = Path(__file__).resolve().parents[3]


def _work(docs: dict[str, int]) -> EmbedWork:
    """Passages of `n` sentences each (two per passage) for each document."""
    passages, sentences = [], []
    for doc_id, n in docs.items():
        for i in range(n):
            sentences.append(SentenceRef(doc_id, i * 10, i * 10 + 9, "s" * 9))
        for i in range(0, n, 2):
            passages.append(Passage(doc_id, i * 10, min(n, i + 2) * 10 - 1, "p"))
    z = np.zeros(4, np.float32)
    return EmbedWork(
        passages,
        sentences,
        [z] * len(passages),
        [z] * len(sentences),
        list(range(len(passages))),
        list(range(len(sentences))),
    )


@pytest.mark.parametrize("strategy", ["separate", "contextual-sentences", "pooled-passages"])
def test_units_cover_every_row_once(strategy: str) -> None:
    work = _work({"a": 7, "b": 1, "c": 12, "d": 3})
    cut = units(work, strategy, 5)
    assert sorted(r for u in cut for r in u["p"]) == work.todo_p
    assert sorted(r for u in cut for r in u["s"]) == work.todo_s
    assert all(u["p"] or u["s"] for u in cut)


def test_separate_units_have_the_size_asked() -> None:
    cut = units(_work({"a": 7, "b": 12}), "separate", 5)
    assert [len(u["p"]) + len(u["s"]) for u in cut] == [5, 5, 5, 5, 5, 4]  # 10 + 19 texts


@pytest.mark.parametrize("strategy", ["contextual-sentences", "pooled-passages"])
def test_pooling_units_keep_a_document_whole(strategy: str) -> None:
    work = _work({"a": 7, "b": 1, "c": 12, "d": 3})
    cut = units(work, strategy, 5)
    for doc in "abcd":
        holding = [
            i
            for i, u in enumerate(cut)
            if any(work.passages[r].doc_id == doc for r in u["p"])
            or any(work.sentences[r].doc_id == doc for r in u["s"])
        ]
        assert len(holding) == 1, (doc, cut)


def test_a_driver_whose_vectors_come_from_elsewhere_never_loads_the_document_model(
    tmp_path: Path, corpus_dir: Path, embedder: Embedder
) -> None:
    """The Ray driver (rag ingest --runner ray) embeds nothing itself: with the default
    int8 query model its fp32 document model is lazy (SplitEmbedder), and the ingest must
    not load it (about 90 MB and a torch import) just to hand the texts to the actors.
    Here the vectors come from a stage that, like the actors, embeds outside the driver."""
    shutil.copytree(corpus_dir, tmp_path / "corpus")
    settings = Settings().with_paths(corpus=tmp_path / "corpus", index=tmp_path / "index")
    loads: list[int] = []

    def load() -> Embedder:
        loads.append(1)
        return embedder

    queries = get_embedder("onnx-int8", settings.embedding.model_id, 1)
    engine = Engine(settings, SplitEmbedder.lazy(load, queries))

    def elsewhere(work: EmbedWork, _: Any, *__: Any) -> None:
        for i in work.todo_p:  # stands in for the actors' own model
            work.pvecs[i] = np.asarray(queries.embed_query(work.passages[i].text), np.float32)
        for i in work.todo_s:
            work.svecs[i] = np.asarray(queries.embed_query(work.sentences[i].text), np.float32)

    report = engine.ingest(embed=elsewhere)
    assert report.passages > 0 and engine.ready()
    assert loads == []  # the driver never built its document model


def test_no_work_starts_no_ray() -> None:
    work = _work({})
    RayEmbedStage(RaySettings(address="127.0.0.1:1"))(work, None, Settings().embedding)  # type: ignore[arg-type]
    assert work.pvecs == [] and work.svecs == []


@pytest.mark.ray  # needs ray: run by make test-scale, not skipped in make test
def test_an_address_nobody_listens_on_is_one_clean_error() -> None:
    pytest.importorskip("ray", reason="needs the .[scale] extra")
    from rag.index.ray_ingest import DistributedIngestError

    work = _work({"a": 2})
    with pytest.raises(DistributedIngestError, match="cannot reach the Ray cluster"):
        RayEmbedStage(RaySettings(address="127.0.0.1:1"))(work, None, Settings().embedding)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray runtime for this module's tests (its GCS address for subprocesses)."""
    ray = pytest.importorskip("ray", reason="needs the .[scale] extra")
    ctx = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield str(ctx.address_info["gcs_address"])
    finally:
        ray.shutdown()


def _same_index(a: LoadedIndex, b: LoadedIndex, files: bool = True) -> None:
    assert a.passages == b.passages
    assert a.sentences == b.sentences
    for p in b.passages:
        assert b.documents[p.doc_id].text[p.start : p.end] == p.text
    np.testing.assert_allclose(a.passage_vectors, b.passage_vectors, atol=1e-5)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=1e-5)
    if files:
        assert (a.path / "readings.jsonl").read_bytes() == (b.path / "readings.jsonl").read_bytes()
    built = ("model_id", "embedding_backend", "dim", "chunking", "corpus_fingerprint")
    assert [a.manifest[k] for k in built] == [b.manifest[k] for k in built]
    assert a.manifest["documents"] == b.manifest["documents"]


@pytest.mark.parametrize("strategy", ["separate", "contextual-sentences"])
@pytest.mark.slow
@pytest.mark.ray
def test_ray_ingest_builds_the_single_process_index(
    ray_address: str, built_engine: Engine, embedder: Embedder, tmp_path: Path, strategy: str
) -> None:
    base = built_engine.settings
    settings = base.with_paths(index=tmp_path / "ray")
    settings = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"strategy": strategy})}
    )
    ticks: list[int] = []
    report = Engine(settings, embedder).ingest(
        progress=lambda total, desc: ticks.append, embed=RayEmbedStage(RaySettings(workers=2))
    )
    ray_index = IndexStore(settings.index.dir).load()
    if strategy == "separate":
        local = IndexStore(base.index.dir).load()
    else:  # the single-process ingest with the same strategy, for comparison
        local_settings = settings.with_paths(index=tmp_path / "local")
        Engine(local_settings, embedder).ingest()
        local = IndexStore(local_settings.index.dir).load()
    _same_index(local, ray_index)
    assert report.passages == len(local.passages) and report.rebuilt
    assert sum(ticks) == len(local.passages) + len(local.sentences)  # progress saw every text


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.milvus
def test_ray_ingest_writes_to_milvus_when_the_settings_say_so(
    ray_address: str, built_engine: Engine, embedder: Embedder, milvus_settings: Settings
) -> None:
    report = Engine(milvus_settings, embedder).ingest(embed=RayEmbedStage(RaySettings()))
    store = open_store(milvus_settings)
    assert store.current_version() == report.version
    _same_index(IndexStore(built_engine.settings.index.dir).load(), store.load(), files=False)


def _embed_actors(root: int) -> list[Any]:
    import psutil

    procs = psutil.Process(root).children(recursive=True)
    found = []
    for p in procs:
        try:
            if "RunEmbedActor" in " ".join(p.cmdline()):
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
@pytest.mark.ray
def test_a_killed_worker_still_completes_or_fails_cleanly(
    ray_address: str, built_engine: Engine, tmp_path: Path
) -> None:
    """SIGKILL an embedding actor mid-run: Ray restarts it and retries its unit, so the new
    version equals the single-process one; or the ingest fails in one line with the
    previous version current and whole."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_engine.settings.corpus.dir, corpus)
    shutil.copytree(built_engine.settings.index.dir, index)
    before = IndexStore(index).current_version()
    originals = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".html"))
    for p in originals:  # the same texts under new ids: the work to do, and its expected result
        shutil.copy(p, corpus / f"zz_copy_{p.name}")
    cmd = [sys.executable, "-m", "cli.main", "ingest", "--runner", "ray", "--json"]
    cmd += ["--address", ray_address, "--corpus", str(corpus), "--index", str(index)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        actors = _embed_actors(os.getpid())  # the runtime's workers are this process's
        if actors:
            killed = actors[0].pid
            actors[0].kill()
        time.sleep(0.2)
    out, err = proc.communicate(timeout=600)
    assert killed is not None, "no embedding actor seen to kill"
    print(f"killed actor pid {killed}; the ingest exited {proc.returncode}")  # shown with -s
    assert "Traceback" not in err
    store = IndexStore(index)
    if proc.returncode != 0:
        assert proc.returncode == 2 and err.strip().count("\n") == 0, err
        assert err.startswith("rag: error: ")
        assert store.current_version() == before
        _same_index(IndexStore(built_engine.settings.index.dir).load(), store.load())
        return
    assert out.strip().startswith("{"), (out, err)
    report = json.loads(out)
    assert report["added"] == len(originals) and report["runner"] == "ray"
    new = store.load()
    old = IndexStore(built_engine.settings.index.dir).load()
    for doc_id in old.documents:
        a, b = old.doc_passages[doc_id], new.doc_passages[f"zz_copy_{doc_id}"]
        assert [(p.start, p.end, p.text) for p in (old.passages[i] for i in a)] == [
            (p.start, p.end, p.text) for p in (new.passages[i] for i in b)
        ]
        np.testing.assert_allclose(old.passage_vectors[a], new.passage_vectors[b], atol=1e-5)
