"""Shared fixtures: an isolated environment, one real embedder and one built index per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.engine import Engine
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

MARKERS = {
    "slow": "builds a real index or starts processes (deselect with -m 'not slow')",
    "llm": "needs a local or remote LLM backend",
    "browser": "drives a real browser (playwright)",
}


# The longest files of the suite (`pytest --durations=0`, summed per file), longest first. They
# run before the rest, so that `make test` (pytest-xdist, a file per worker at a time) never
# ends with one of them on a worker while the other sits idle. A file missing here only runs
# in its usual place.
LONGEST_FIRST = (
    "cli/test_main.py",
    "api/test_kill_during_upload.py",
    "rag/answer/test_llm.py",
    "cli/test_add.py",
    "rag/index/test_embedding.py",
    "api/routes/test_web_a11y.py",
    "rag/index/test_store_versions.py",
    "api/test_serve_query_replica.py",
    "rag/answer/test_verify.py",
    "rag/index/test_update.py",
)


def pytest_configure(config: pytest.Config) -> None:
    for name, doc in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {doc}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The LONGEST_FIRST files first; a stable sort keeps every other order as collected."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    tests = Path(__file__).parent

    def key(item: pytest.Item) -> int:
        name = item.path.relative_to(tests).as_posix()
        return rank.get(name, len(rank))

    items.sort(key=key)


def _drop_rag_env(mp: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("RAG_"):
            mp.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No RAG_* variable of the developer's shell leaks into a test's Settings()."""
    _drop_rag_env(monkeypatch)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The repository's own corpus (read-only: copy it before changing anything)."""
    return CORPUS


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real MiniLM model, loaded once per session."""
    return get_embedder("sentence-transformers", "all-MiniLM-L6-v2", 1)


@pytest.fixture(scope="session")
def built_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Engine]:
    """An Engine over a copy of corpus/ with a freshly built index (do not modify its folders)."""
    root = tmp_path_factory.mktemp("built")
    shutil.copytree(CORPUS, root / "corpus")
    # Session fixtures run before the function-scoped env isolation: isolate here too.
    with pytest.MonkeyPatch.context() as mp:
        _drop_rag_env(mp)
        settings = Settings().with_paths(corpus=root / "corpus", index=root / "index")
    engine = Engine(settings, embedder)
    engine.ingest()
    yield engine
