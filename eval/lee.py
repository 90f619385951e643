"""Retrieval on real news nobody here wrote: gensim's Lee background corpus.

Each article of ``lee_background.cor`` (ABC news, one article per line, latin-1) becomes one
query and one target document: the query is the article's first sentence, the target is the
rest of the article. A query has exactly one gold document, and retrieval is scored at
document level only (there are no evidence spans).

Document-level rankings are per *document*, not per passage: a document is ranked where its
best passage is (the first occurrence in a stage's passage list), repeats are dropped, and the
list is cut at ``N_DOCS`` distinct documents. To have ten distinct documents to rank, each
stage list is requested with ``K_PASSAGES`` passages. This matches how the reference numbers in
the README's Lee table were measured (one vector or BM25 entry per article).

Usage::

    from pathlib import Path
    from rag.settings import Settings
    from eval.lee import evaluate_lee
    from eval.retrieval import format_table

    scores = evaluate_lee(Settings(), Path("/tmp/lee"))
    print(format_table(scores["default"], "Lee, default settings"))

gensim itself is never imported (its dependencies are not installed): only the data file is
read from the installed package folder.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from eval.harness import open_engine, workdir_settings
from eval.retrieval import STAGES, StageScores, score_rankings, stage_rankings
from rag import Engine, Settings
from rag.index.embedder import Embedder
from rag.settings import RetrievalSettings
from rag.text.sentences import split_sentences

log = logging.getLogger(__name__)

LEE_FILE = ("test", "test_data", "lee_background.cor")
INSTALL_HINT = "pip install --no-deps gensim==4.4.0"
N_DOCS = 10  # documents ranked per stage (MRR@10, recall@10)
K_PASSAGES = 30  # passages requested per stage to find N_DOCS distinct documents


def lee_path() -> Path:
    """The installed ``lee_background.cor``; FileNotFoundError (with the fix) if missing."""
    spec = importlib.util.find_spec("gensim")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise FileNotFoundError(
            f"gensim is not installed, so the Lee corpus is missing: {INSTALL_HINT}"
        )
    path = Path(locations[0]).joinpath(*LEE_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: reinstall with {INSTALL_HINT}")
    return path


def build_lee_corpus(folder: Path) -> list[tuple[str, str]]:
    """Write one target document per article into ``folder``; return ``[(query, doc_id)]``.

    Article ``i`` (0-based line number) gives ``lee_{i:03d}.txt`` (UTF-8) holding the article
    after its first sentence, stripped; the query is that first sentence. Articles with
    nothing after the first sentence are skipped. Existing files are overwritten.
    """
    articles = lee_path().read_text(encoding="latin-1").splitlines()
    folder.mkdir(parents=True, exist_ok=True)
    pairs: list[tuple[str, str]] = []
    for i, article in enumerate(articles):
        spans = split_sentences(article)
        if not spans:
            continue
        first = spans[0]
        query = article[first.start : first.end]
        target = article[first.end :].strip()
        if not target:
            log.debug("article %d has a single sentence; skipped", i)
            continue
        doc_id = f"lee_{i:03d}"
        (folder / f"{doc_id}.txt").write_bytes(target.encode("utf-8"))
        pairs.append((query, doc_id))
    log.info("Lee corpus: %d of %d articles written to %s", len(pairs), len(articles), folder)
    return pairs


def first_per_document(engine: Engine, passage_ids: Sequence[int], n: int = N_DOCS) -> list[int]:
    """The first (best-ranked) passage of each distinct document, in order, at most ``n``."""
    passages = engine.index.passages
    seen: set[str] = set()
    out: list[int] = []
    for pid in passage_ids:
        doc_id = passages[pid].doc_id
        if doc_id in seen:
            continue
        seen.add(doc_id)
        out.append(pid)
        if len(out) == n:
            break
    return out


def document_rankings(
    engine: Engine, query: str, retrieval: RetrievalSettings | None = None
) -> dict[str, list[int]]:
    """Per stage, one passage per document for the top ``N_DOCS`` distinct documents."""
    rankings = stage_rankings(engine, query, retrieval, k=K_PASSAGES)
    return {stage: first_per_document(engine, ids) for stage, ids in rankings.items()}


def open_lee_engine(
    settings: Settings, workdir: Path, embedder: Embedder | None = None
) -> tuple[Engine, list[tuple[str, str]]]:
    """Build the corpus under ``workdir/corpus`` and an Engine over ``workdir/index``.

    The index is (re)built only when the corpus or the chunking differs from what it was built
    from; otherwise the existing index is loaded. ``embedder`` defaults to the one
    ``settings.embedding`` names.
    """
    pairs = build_lee_corpus(workdir / "corpus")
    return open_engine(workdir_settings(workdir, settings), embedder), pairs


def evaluate_lee(
    settings: Settings,
    workdir: Path,
    configs: Mapping[str, RetrievalSettings] | None = None,
    embedder: Embedder | None = None,
) -> dict[str, list[StageScores]]:
    """Document-level scores per stage for each named retrieval configuration.

    ``settings`` supplies the embedding and chunking (its corpus and index folders are
    replaced by ``workdir/corpus`` and ``workdir/index``); ``configs`` defaults to
    ``{"default": settings.retrieval}``. Use one ``workdir`` per chunking setting: changing
    the chunking of an existing index re-embeds everything. ``embedder`` replaces the one
    the settings name (e.g. a caching wrapper in a sweep).
    """
    engine, pairs = open_lee_engine(settings, workdir, embedder)
    configs = configs if configs is not None else {"default": settings.retrieval}
    gold_docs = [[doc_id] for _, doc_id in pairs]
    out: dict[str, list[StageScores]] = {}
    for name, retrieval in configs.items():
        t0 = time.perf_counter()
        rankings = [document_rankings(engine, query, retrieval) for query, _ in pairs]
        short = {s: sum(len(r[s]) < N_DOCS for r in rankings) for s in STAGES}
        if any(short.values()):
            log.info("%s: queries with fewer than %d documents per stage: %s", name, N_DOCS, short)
        out[name] = score_rankings(engine, rankings, [[]] * len(pairs), gold_docs)
        final = next(s for s in out[name] if s.stage == "final")
        log.info(
            "%s: %d queries in %.1fs, final MRR@10 %.3f R@10 %.3f",
            name,
            len(pairs),
            time.perf_counter() - t0,
            final.mrr10,
            final.recall[10],
        )
    return out
