"""Sweep retrieval settings on gensim's Lee corpus and print a Markdown table.

Document-level MRR@10 and recall@10 per stage (bm25, dense, fused, final) for every
combination of chunking (max_tokens), fusion (RRF, or weighted with a dense weight) and second
stage (none, or sentence/maxsim with a weight). Queries are article first sentences, targets
the rest of each article (see eval/lee.py); a document ranks where its best passage ranks.

    .venv/bin/python bench/lee_sweep.py [--workdir DIR] [--max-tokens 160,80,256]
        [--stages none,sentence,maxsim]

Indexes are kept under --workdir (one folder per chunking) and reused by later runs. Progress
goes to stderr, the table to stdout. A full run from scratch takes about 8 minutes on an idle
2-core machine (most of it embedding the three indexes); later runs reuse the indexes.

Embeddings are memoised per text for the length of the run (query vectors, the sentence
vectors that every chunking shares, and the passage token vectors of maxsim): they are the
same model calls on the same texts, so scores do not change (up to float noise from batch
padding), but maxsim goes from ~3 s to a few ms a query.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.embedders import CachingEmbedder
from eval.lee import evaluate_lee
from eval.retrieval import STAGES, StageScores
from rag.index.embedder import Embedder
from rag.index.embedding import get_embedder
from rag.settings import ChunkingSettings, RetrievalSettings, Settings

FUSIONS: list[tuple[str, dict[str, Any]]] = [
    ("rrf", {"fusion": "rrf"}),
    ("weighted 0.3", {"fusion": "weighted", "dense_weight": 0.3}),
    ("weighted 0.5", {"fusion": "weighted", "dense_weight": 0.5}),
    ("weighted 0.7", {"fusion": "weighted", "dense_weight": 0.7}),
]
STAGE_WEIGHTS = (0.3, 0.5, 0.7)


def grid(base: RetrievalSettings, stages: Sequence[str]) -> dict[str, RetrievalSettings]:
    second: list[tuple[str, float | None]] = [
        (stage, w) for stage in stages for w in ((None,) if stage == "none" else STAGE_WEIGHTS)
    ]
    out: dict[str, RetrievalSettings] = {}
    for fname, fupdate in FUSIONS:
        for stage, weight in second:
            update: dict[str, Any] = {**fupdate, "second_stage": stage}
            if weight is not None:
                update["second_stage_weight"] = weight
            name = f"{fname} | {stage} | {'' if weight is None else weight}"
            out[name] = base.model_copy(update=update)
    return out


def is_default(cfg: RetrievalSettings, default: RetrievalSettings) -> bool:
    keys = ("fusion", "second_stage")
    if any(getattr(cfg, k) != getattr(default, k) for k in keys):
        return False
    if cfg.fusion == "weighted" and cfg.dense_weight != default.dense_weight:
        return False
    return cfg.second_stage == "none" or cfg.second_stage_weight == default.second_stage_weight


def by_stage(rows: list[StageScores]) -> dict[str, StageScores]:
    return {r.stage: r for r in rows if r.level == "document"}


def table(results: list[tuple[int, str, list[StageScores], bool]]) -> str:
    head = ["max_tokens", "fusion", "2nd stage", "weight"]
    for s in STAGES:
        head += [f"{s} MRR", f"{s} R@10"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for max_tokens, name, rows, default in results:
        scores = by_stage(rows)
        cells = [str(max_tokens), *name.split(" | ")]
        if default:
            cells[0] += " **(default)**"
        for s in STAGES:
            cells += [f"{scores[s].mrr10:.3f}", f"{scores[s].recall[10]:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "lee_sweep")
    ap.add_argument("--max-tokens", default="160,80,256", help="chunk sizes, comma-separated")
    ap.add_argument(
        "--stages",
        default="none,sentence,maxsim",
        help="second stages, comma-separated (mpnet needs the optional mpnet install)",
    )
    args = ap.parse_args(argv)
    # numpy's BLAS (maxsim's matmuls) spins its threads when the 2 cores are busy: a cached
    # maxsim config took 100-300 s instead of 2 s. One thread.
    with threadpool_limits(limits=1):
        return run(args)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    logging.getLogger("eval.lee").setLevel(logging.INFO)
    logging.getLogger("eval.harness").setLevel(logging.INFO)
    logging.getLogger("rag.index.ingest").setLevel(logging.INFO)

    settings = Settings()
    default = settings.retrieval
    cached = CachingEmbedder(
        get_embedder(settings.embedding.backend, settings.embedding.model_id, 1)
    )
    embedder: Embedder = cached
    configs = grid(default, args.stages.split(","))
    t0 = time.perf_counter()
    results: list[tuple[int, str, list[StageScores], bool]] = []
    for max_tokens in (int(x) for x in args.max_tokens.split(",")):
        chunking = ChunkingSettings(
            max_tokens=max_tokens, overlap_sentences=settings.chunking.overlap_sentences
        )
        chunked = settings.model_copy(update={"chunking": chunking})
        print(f"== max_tokens={max_tokens}: {len(configs)} configs", file=sys.stderr)
        scores = evaluate_lee(chunked, args.workdir / f"max_tokens_{max_tokens}", configs, embedder)
        cached.forget_tokens()
        for name, rows in scores.items():
            dflt = max_tokens == settings.chunking.max_tokens and is_default(configs[name], default)
            results.append((max_tokens, name, rows, dflt))
        print(f"   elapsed {time.perf_counter() - t0:.0f}s", file=sys.stderr)

    print("### Lee corpus, document level (MRR@10 / recall@10 per stage)\n")
    print(table(results))
    best = max(results, key=lambda r: by_stage(r[2])["final"].mrr10)
    print("\nbest final MRR@10:", f"max_tokens {best[0]} | {best[1]}", end=" -> ")
    print(f"{by_stage(best[2])['final'].mrr10:.3f}")
    for r in results:
        if r[3]:
            f = by_stage(r[2])["final"]
            print(f"default: max_tokens {r[0]} | {r[1]} -> {f.mrr10:.3f} / R@10 {f.recall[10]:.3f}")
    print(f"\n{time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
