"""Ingest passages/s: the single-process `rag ingest` against `rag ingest --runner ray`.

    python -m bench.ingest_ray [--lee-articles 350] [--workers 2] [--repeats 2]

The five articles plus the Lee articles written as a corpus folder; each run is a fresh
`rag ingest --json` process on a fresh index (model loads, and for Ray its local runtime and
its actors' model loads, all counted), the two runners alternated, medians reported. Passages/s
is the report's passages over its `seconds` (the ingest itself) and over the process's wall
time. The machine is shared: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.common import RAG_CMD, REPO, log, md_table, stopwatch
from bench.data import five_documents, lee_documents
from bench.machine import load_average


def write_corpus(folder: Path, lee: int) -> int:
    """The five articles (their files) and `lee` Lee articles as .txt files."""
    folder.mkdir(parents=True)
    for p in sorted((REPO / "corpus").iterdir()):
        if p.is_file():
            (folder / p.name).write_bytes(p.read_bytes())
    docs = lee_documents(lee)
    for d in docs:
        (folder / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8")
    return len(five_documents()) + len(docs)


def run(corpus: Path, index: Path, extra: list[str]) -> dict[str, Any]:
    cmd = [*RAG_CMD, "ingest", "--corpus", str(corpus), "--index", str(index), "--json", *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    done, wall = stopwatch(
        lambda: subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return {"passages": report["passages"], "seconds": report["seconds"], "wall": wall}


def measure(lee: int, workers: int, repeats: int, root: Path) -> dict[str, Any]:
    corpus = root / "corpus"
    n_docs = write_corpus(corpus, lee)
    runners = {"single process": [], f"ray, {workers} workers": ["--runner", "ray"]}
    runners[f"ray, {workers} workers"] += ["--workers", str(workers)]
    got: dict[str, list[dict[str, Any]]] = {name: [] for name in runners}
    for i in range(repeats):
        for name, extra in runners.items():
            r = run(corpus, root / f"index-{len(got[name])}-{name[:3]}", extra)
            log(f"ingest_ray: {name} run {i + 1}: {r} (load {load_average()})")
            got[name].append(r)
    out: dict[str, Any] = {"documents": n_docs, "repeats": repeats, "runners": {}}
    for name, runs in got.items():
        secs = statistics.median(r["seconds"] for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        p = runs[0]["passages"]
        out["runners"][name] = {"passages": p, "seconds": secs, "wall": wall, "per_s": p / secs}
    single, ray = out["runners"].values()
    out["ratio"] = ray["per_s"] / single["per_s"]
    out["ratio_wall"] = single["wall"] / ray["wall"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description="single-process ingest vs Ray ingest")
    p.add_argument("--lee-articles", type=int, default=350)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="rag-bench-ray-") as tmp:
        result = measure(args.lee_articles, args.workers, args.repeats, Path(tmp))
    result["load_before"], result["load_after"] = before, load_average()
    rows = [
        [name, r["passages"], r["seconds"], r["wall"], r["per_s"]]
        for name, r in result["runners"].items()
    ]
    heads = ["runner", "passages", "ingest s (median)", "process wall s", "passages/s"]
    print(md_table(heads, rows))
    print(
        f"\nRay / single process: {result['ratio']:.2f}x passages/s "
        f"({result['ratio_wall']:.2f}x by wall time); {result['documents']} documents, "
        f"{args.repeats} runs each; load average before {before}, after {result['load_after']}"
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
