"""Section 4: scale. Index build, disk, memory, search latency and ANN recall by corpus size.

    .venv/bin/python -m bench.scale [--sizes 10000,100000] [--real-size 10000]
        [--real-index DIR] [--dense-only 1000000] [--hnsw 32:80,32:200]
        [--build-threads 2] [--queries 200] [--workdir DIR]

The corpus is deterministic: the five articles, all of gensim's Lee news (about 830
passages), then WordNet 3.0 glosses (one short passage each, from Debian's wordnet-base) until
the size is reached. Sizes are passages.

* ``--real-size`` (10k) is ingested for real: ``Engine.ingest`` embeds every passage and
  sentence with the default model (a gloss's one sentence is the passage text itself, so it
  is embedded once and reused). ``--real-index`` reuses one an earlier ``--workdir`` run kept
  (it is then measured only if ``--sizes`` names it).
* Larger sizes reuse those real vectors and give every other passage a **synthetic** vector
  (see ``bench.data.synthetic_vectors``: a random mix of two real passage vectors plus noise);
  the index is written by the real ``IndexStore.write`` (IVF past 50k passages, BM25,
  checksums) and searched by the real ``Engine``, whose query vectors are real.
* ``--dense-only`` sizes (1M) have no texts: synthetic vectors only, raw faiss indexes only:
  exact ``IndexFlatIP``, the engine's default approximate index (IVF, float16) and, with
  ``--hnsw M:efConstruction,...``, HNSW graphs to compare (the 1M M=32 efConstruction=80
  graph takes 8-16 minutes). Builds use ``--build-threads`` faiss threads, searches one.

Each index is measured in a fresh child process (``--measure DIR``), so its RSS is the model
plus that index. Recall@10 is the approximate index ("ANN": IVF or HNSW) against exact
search, over 200 real query vectors (the question set plus Lee first sentences), at the
default search breadth and swept over nprobe (IVF) / efSearch (HNSW). float16 and int8
(scalar-quantised) columns give the recall cost of storing the vectors in fewer bytes
(exact search over rounded vectors).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import REPO, THREAD_ENV, emit, log
from bench.scale_build import build_real, build_synthetic
from bench.scale_dense import measure_dense_only
from bench.scale_measure import measure_index
from bench.scale_tables import build_table, dense_table, measure_table, sweep_table


@dataclass(frozen=True)
class Plan:
    """What one run builds and measures (the command-line flags)."""

    sizes: list[int]
    real_size: int
    dense_only: list[int]
    n_queries: int
    real_index: Path | None = None  # a --real-size index an earlier --workdir run kept
    keep: bool = False  # keep the synthetic indexes (a --workdir run)
    hnsw: str = ""
    build_threads: int = 2


def _child(args: list[str], timeout: float) -> dict[str, Any]:
    env = {**os.environ, **THREAD_ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scale", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.scale {' '.join(args)} failed with {proc.returncode}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _build(plan: Plan, workdir: Path) -> tuple[list[dict[str, Any]], Path]:
    """The builds of this run, and the index with the real vectors."""
    if plan.real_index is None:
        builds = [build_real(plan.real_size, workdir / f"p{plan.real_size}")]
        real_index = Path(builds[0]["index"])
    else:
        builds, real_index = [], plan.real_index  # reuse an index an earlier run embedded
    for n in plan.sizes:
        if n != plan.real_size:
            builds.append(build_synthetic(n, workdir / f"p{n}", real_index))
    return builds, real_index


def _measure(n: int, index: str, n_queries: int) -> dict[str, Any]:
    log(f"scale {n:,}: measuring in a fresh process")
    return _child(["--measure", index, "--queries", str(n_queries)], 900 + n / 500)


def _serving(plan: Plan, builds: list[dict[str, Any]], real_index: Path) -> None:
    to_measure = [(b["passages"], b["index"]) for b in builds]
    if plan.real_index is not None and plan.real_size in plan.sizes:
        to_measure.insert(0, (plan.real_size, str(real_index)))  # measured, not rebuilt
    measured = [_measure(n, index, plan.n_queries) for n, index in to_measure]
    if measured:
        emit(f"### Serving (fresh process per index; {plan.n_queries} queries)\n")
        emit(measure_table(measured) + "\n")
        emit("### ANN recall@10 against exact search by search breadth (raw faiss, k=10)\n")
        emit(sweep_table([(m["passages"], m["ann"], m["sweep"]) for m in measured]) + "\n")


def _dense_only(plan: Plan, real_index: Path) -> None:
    ds = []
    for n in plan.dense_only:
        log(f"dense-only {n:,}: measuring in a fresh process")
        args = ["--dense-measure", str(n), "--real-index", str(real_index)]
        args += ["--hnsw", plan.hnsw, "--build-threads", str(plan.build_threads)]
        ds.append(_child([*args, "--queries", str(plan.n_queries)], 7200))
    emit("### Dense only, synthetic vectors (raw faiss; no texts, no BM25)\n")
    emit(dense_table(ds) + "\n")
    items = [(d["passages"], a["ann"], a["sweep"]) for d in ds for a in d["anns"]]
    emit(sweep_table(items) + "\n")


def run(plan: Plan, workdir: Path) -> None:
    builds, real_index = _build(plan, workdir)
    emit("## 4. Scale\n")
    if builds:
        emit(f"### Index build\n\n{build_table(builds)}\n")
    _serving(plan, builds, real_index)
    if not plan.keep:
        for n in plan.sizes:
            if n != plan.real_size:
                shutil.rmtree(workdir / f"p{n}", ignore_errors=True)
    if plan.dense_only:
        _dense_only(plan, real_index)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Index build, memory and search latency by size")
    p.add_argument("--sizes", default="10000,100000", help="passages, comma-separated")
    p.add_argument("--real-size", type=int, default=10_000, help="size embedded for real")
    p.add_argument("--dense-only", default="", help="sizes for the raw faiss rows (e.g. 1000000)")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--workdir", type=Path, default=None, help="indexes are kept if given")
    p.add_argument(
        "--real-index", type=Path, help="reuse the --real-size index of an earlier --workdir run"
    )
    p.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    p.add_argument(
        "--hnsw", default="", help="HNSW M:efConstruction pairs for the dense-only rows (32:80)"
    )
    p.add_argument(
        "--build-threads", type=int, default=2, help="faiss threads for dense-only builds"
    )
    p.add_argument("--dense-measure", type=int, help=argparse.SUPPRESS)
    return p


def _plan(args: argparse.Namespace) -> Plan:
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not args.real_index:
        sizes = sorted({*sizes, args.real_size})  # built first: the others reuse its vectors
    return Plan(
        sizes=sizes,
        real_size=args.real_size,
        dense_only=[int(s) for s in args.dense_only.split(",") if s.strip()],
        n_queries=args.queries,
        real_index=args.real_index,
        keep=args.workdir is not None,
        hnsw=args.hnsw,
        build_threads=args.build_threads,
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.measure:
        print(json.dumps(measure_index(args.measure, args.queries)), flush=True)
        return
    if args.dense_measure:
        result = measure_dense_only(
            args.dense_measure, args.real_index, args.queries, args.hnsw, args.build_threads
        )
        print(json.dumps(result), flush=True)
        return
    if args.workdir:
        run(_plan(args), args.workdir)
        return
    with tempfile.TemporaryDirectory(prefix="rag-bench-scale-") as tmp:
        run(_plan(args), Path(tmp))


if __name__ == "__main__":
    main()
