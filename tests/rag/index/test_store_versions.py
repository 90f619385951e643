"""The versioned on-disk index: old versions pruned, leftovers removed, one ingest at a time,
and a kill -9 during ingest that leaves the previous version live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from store_workspace import Workspace, assert_hits_exact, with_keep

import rag.index.store
from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.store import IndexBusy

REPO = Path(__file__).resolve().parents[3]
IDS = [
    "000_341026f71ce0a6ab",
    "001_1588505dcf2d46fe",
    "002_c2792e408a785547",
    "003_80a24d3b298a0e19",
    "004_90fc3188c9eb6f78",
]


# -- versions, leftovers, locks --------------------------------------------------------------


@pytest.mark.slow
def test_old_versions_are_pruned(ws: Workspace, embedder: Embedder) -> None:
    settings = with_keep(ws.settings, 2)
    engine = Engine(settings, embedder)
    for _ in range(4):
        engine.ingest()
    versions = ws.versions()
    assert len(versions) == 2
    assert ws.store.current_version() in versions
    assert all((ws.index / v / "manifest.json").is_file() for v in versions)


@pytest.mark.slow
def test_pruning_keeps_the_newest_versions(
    ws: Workspace, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUG (rag/store.py IndexStore.write and prune): a version is named
    '<seconds>-<random hex>', and prune() deletes in name order. Two builds in the same second
    are ordered by a random uuid, so prune can delete the version that was live a moment ago
    and keep an older one. (Quick incremental ingests take ~20 ms, so this happens for real.)
    Here the clock is frozen and the uuids happen to sort in reverse build order."""
    hexes = iter(f"{n:032x}" for n in range(2**127, 0, -(2**120)))
    monkeypatch.setattr(rag.index.store.time, "strftime", lambda fmt, *a: "20300101T000000")
    monkeypatch.setattr(rag.index.store.uuid, "uuid4", lambda: uuid.UUID(hex=next(hexes)))
    engine = Engine(with_keep(ws.settings, 2), embedder)
    built = []
    for _ in range(3):
        built.append(engine.ingest().version)
    assert ws.store.current_version() == built[-1]
    assert sorted(ws.versions()) == sorted(built[-2:]), "the previous version must survive"


@pytest.mark.slow
@pytest.mark.parametrize("name", [".build-xyz", ".pruned-v0001-abc"])
def test_a_leftover_build_folder_is_removed(ws: Workspace, embedder: Embedder, name: str) -> None:
    leftover = ws.index / name  # a crash mid-build, or mid-prune
    leftover.mkdir()
    (leftover / "passages.jsonl").write_text("{}\n", encoding="utf-8")
    before = ws.store.current_version()
    assert ws.store.load().version == before  # a half-written build is never read
    Engine(ws.settings, embedder).ingest()
    assert not leftover.exists()
    assert ws.store.current_version() != before


@pytest.mark.slow
def test_uploads_link_the_vectors_they_keep_and_prune_in_the_background(
    ws: Workspace, embedder: Embedder
) -> None:
    engine = Engine(with_keep(ws.settings, 2), embedder)
    first = engine.index.version
    for i in range(3):
        text = f"Regulators in Hangzhou fined lending platform number {i} on Monday.\n"
        engine.add_document(f"zz_new{i}.txt", text.encode())
    engine.wait_pruned(60)
    versions = ws.versions()
    assert len(versions) == 2 and first not in versions
    assert not list(ws.index.glob(".pruned-*"))
    entry = ws.store.read_manifest()["segments"]["sentence_vectors"]
    assert entry["files"][0] == "sentence_vectors.npy" and len(entry["files"]) == 4
    linked = ws.index / ws.store.current_version() / "sentence_vectors.npy"
    assert linked.stat().st_nlink == 2  # the first version's file, in both kept versions
    reloaded = ws.store.load()  # the first version's folder is gone; its vectors are not
    assert reloaded.sentence_vectors.tolist() == engine.index.sentence_vectors.tolist()
    assert reloaded.passage_vectors.tolist() == engine.index.passage_vectors.tolist()
    assert engine.search("lending platform number 2").results[0].doc_id == "zz_new2"


@pytest.mark.slow
def test_a_second_ingest_fails_fast_while_one_holds_the_lock(
    ws: Workspace, embedder: Embedder
) -> None:
    before = ws.store.current_version()
    with ws.store.lock(), pytest.raises(IndexBusy):
        Engine(ws.settings, embedder).ingest()
    assert ws.store.current_version() == before


# -- crash during ingest ---------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    import rag.index.store
    from rag.index.embedding import get_embedder
    from rag.index.ingest import ingest
    from rag.settings import Settings

    # Hold the build open after the dense index is written, so the parent can reliably kill
    # the process while a half-written .build-* folder exists (the write phase alone takes
    # well under a second).
    _save = rag.index.store.DenseIndex.save
    def slow_save(self, path):
        _save(self, path)
        time.sleep(120)
    rag.index.store.DenseIndex.save = slow_save

    settings = Settings().with_paths(corpus=Path(sys.argv[1]), index=Path(sys.argv[2]))
    ingest(settings, get_embedder("sentence-transformers", "all-MiniLM-L6-v2", 1))
    print("finished", flush=True)
    """
)


# Enough new documents for a real second build; the kill timing comes from slow_save, not from
# their number (200 made the child embed for most of its 60 s deadline on a loaded machine).
GENERATED = 40


def write_generated_corpus(folder: Path, n: int) -> None:
    topics = ["lending", "insurance", "payments", "wealth management", "credit scoring"]
    for i in range(n):
        topic = topics[i % len(topics)]
        (folder / f"gen_{i:03d}.txt").write_text(
            f"Generated report {i} covers {topic} in the fintech sector. "
            f"Regulators asked platform number {i} to review its {topic} products. "
            f"Analysts expect changes to {topic} rules within {i % 12 + 1} months.\n",
            encoding="utf-8",
        )


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_kill_9_during_ingest_leaves_the_previous_version_live(
    ws: Workspace, embedder: Embedder
) -> None:
    before = ws.store.current_version()
    write_generated_corpus(ws.corpus, GENERATED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws.corpus), str(ws.index)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        partial: list[Path] = []
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [p for p in ws.index.glob(".build-*") if (p / "passages.jsonl").exists()]
            if partial:
                break
            time.sleep(0.02)
        assert partial, f"no build folder appeared; child: {proc.communicate()[1][-2000:]!r}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert ws.store.current_version() == before
    assert not (partial[0] / "manifest.json").exists()  # killed mid-build
    loaded = ws.store.load(model_id=embedder.model_id, dim=embedder.dim)
    assert sorted(loaded.documents) == IDS
    engine = Engine(ws.settings, embedder)
    assert engine.index.version == before
    assert assert_hits_exact(engine, "Ant Group IPO suspended")

    report = engine.ingest()  # a fresh ingest cleans up and succeeds
    assert not any(ws.index.glob(".build-*"))
    assert ws.store.current_version() == report.version != before
    assert len(report.added) == GENERATED
    assert report.unchanged == IDS
    manifest = json.loads((ws.index / report.version / "manifest.json").read_text())
    assert manifest["counts"]["documents"] == GENERATED + len(IDS)
    assert "gen_007" in assert_hits_exact(engine, "Generated report 7 covers")
