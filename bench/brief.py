"""Briefing latency on the corpus: median and p95 over repeated runs, as a Markdown table.

    .venv/bin/python bench/brief.py [--corpus corpus] [--index DIR] [--runs 20]

Builds an index of the corpus in a temporary folder unless --index names a built one, loads
the engine, warms it with one briefing, then times `Engine.brief` (extractive, every sentence
verified) for a few topics, and the Markdown and HTML rendering on top. The first briefing on a
new subject embeds its facet queries once (about 0.1-0.2 s more); repeated runs reuse them.
Not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rag.briefing.render import to_html, to_markdown
from rag.engine import Engine
from rag.settings import Settings

TOPICS = [
    "the regulatory crackdown on Ant Group",
    "Xi Jinping's call to regulate platform companies",
    "the European Central Bank's interest rate decisions",  # not covered: the abstain path
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--index", type=Path, default=None, help="a built index (else temporary)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().with_paths(corpus=args.corpus, index=args.index or Path(tmp))
        engine = Engine(settings)
        if args.index is None:
            print("building a temporary index ...", file=sys.stderr)
            engine.ingest()
        else:
            engine.load()
        engine.brief(TOPICS[0])  # warm up
        print(f"{args.runs} runs per topic, extractive, {len(engine.documents())} documents\n")
        print("| topic | status | sentences | p50 ms | p95 ms | p50 md+html ms |")
        print("|---|---|---:|---:|---:|---:|")
        for topic in TOPICS:
            times, render = [], []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                b = engine.brief(topic)
                t1 = time.perf_counter()
                to_markdown(b)
                to_html(b)
                render.append((time.perf_counter() - t1) * 1000)
                times.append((t1 - t0) * 1000)
            print(
                f"| {topic} | {b.status} | {len(b.sentences())} | "
                f"{statistics.median(times):.0f} | {percentile(times, 0.95):.0f} | "
                f"{statistics.median(render):.1f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
